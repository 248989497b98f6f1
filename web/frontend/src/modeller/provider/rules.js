// Policy traceability: the R-ids an element implements, with each rule's text and paragraph.
import { catalogue } from '../catalogue.js';
import { RULES, property, setProperty } from '../extensions.js';
import { entry, group } from './entries.js';

export const ruleIds = (text) => [...new Set((text || '').match(/\bR\d{2}\b/g) || [])];

function describe(element) {
  const ids = ruleIds(property(element, RULES));
  if (!ids.length) return 'Rule ids of DOMAIN.md, e.g. R20 R21';
  return ids.map((id) => {
    const rule = catalogue.rules[id];
    if (!rule) return Object.keys(catalogue.rules).length ? `${id}: no such rule` : id;
    return `${id} (${rule.section}): ${rule.text}`;
  }).join(' · ');
}

export function rulesGroup(element) {
  if (!element.businessObject || element.type === 'label') return null;
  return group('redress-rules', 'Policy rules', [entry(element, {
    id: 'redress-rules',
    label: 'Implements rules',
    description: describe,
    get: () => property(element, RULES),
    set: (el, value, injector) => setProperty(el, RULES, ruleIds(value).join(' '), injector),
    validate: (value) => {
      const unknown = ruleIds(value).filter((id) => Object.keys(catalogue.rules).length && !catalogue.rules[id]);
      return unknown.length ? `Not a rule of DOMAIN.md: ${unknown.join(', ')}` : null;
    },
  })]);
}
