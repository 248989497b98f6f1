// Messages: the variable a catch event stores the message payload in (correlation is by name).
import { getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';
import { ensureExtension, extension } from '../extensions.js';
import { entry, group } from './entries.js';

function messageDefinition(element) {
  return (getBusinessObject(element).get('eventDefinitions') || [])
    .find((d) => d.$type === 'bpmn:MessageEventDefinition');
}

export function messageGroup(element) {
  if (!messageDefinition(element)) return null;
  return group('redress-message', 'Message payload', [entry(element, {
    id: 'redress-message-variable',
    label: 'Store the payload in',
    description: 'Case data key the message payload is written to',
    get: () => extension(element, 'spiffworkflow:MessageVariable')?.value || '',
    set: (el, value, injector) => {
      const found = ensureExtension(el, 'spiffworkflow:MessageVariable', injector);
      injector.get('modeling').updateModdleProperties(el, found, { value });
    },
  })]);
}
