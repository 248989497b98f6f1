// Service task: the handler operator picked from the registry, then each of its parameters.
import { is } from 'bpmn-js/lib/util/ModelUtil';
import { catalogue, handler } from '../catalogue.js';
import { ensureExtension, operator, parameters, setParameter } from '../extensions.js';
import { entry, group } from './entries.js';

export function serviceTaskGroup(element) {
  if (!is(element, 'bpmn:ServiceTask')) return null;
  const chosen = operator(element)?.id || '';
  const entries = [entry(element, {
    id: 'redress-operator',
    kind: 'select',
    label: 'Handler',
    description: () => handler(operator(element)?.id)?.description || 'Pick what this task does',
    get: () => operator(element)?.id || '',
    set: (el, value, injector) => {
      const op = ensureExtension(el, 'spiffworkflow:ServiceTaskOperator', injector);
      injector.get('modeling').updateModdleProperties(el, op, { id: value, resultVariable: op.resultVariable || '' });
    },
    options: () => [{ value: '', label: '(choose a handler)' },
      ...catalogue.handlers.map((h) => ({ value: h.operator, label: h.operator }))],
  })];
  for (const param of handler(chosen)?.parameters || []) {
    entries.push(entry(element, {
      id: `redress-param-${param.name}`,
      label: `${param.name}${param.required ? '' : ' (optional)'}`,
      description: `An expression, e.g. 'TEXT' in quotes; ${param.type}${param.default ? `, default ${param.default}` : ''}`,
      get: () => parameters(element).find((p) => p.id === param.name)?.value || '',
      set: (el, value, injector) => setParameter(el, param.name, value, injector),
      validate: (value) => (param.required && !value ? `${param.name} is required by ${chosen}` : null),
    }));
  }
  return group('redress-service-task', 'Handler', entries);
}
