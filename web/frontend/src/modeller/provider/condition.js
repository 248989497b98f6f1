// Conditions on sequence flows out of exclusive and inclusive gateways.
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';
import { entry, group } from './entries.js';

export function conditionGroup(element) {
  if (!is(element, 'bpmn:SequenceFlow')) return null;
  const source = getBusinessObject(element).sourceRef;
  if (!source || !(is(source, 'bpmn:ExclusiveGateway') || is(source, 'bpmn:InclusiveGateway'))) return null;
  return group('redress-condition', 'Condition', [entry(element, {
    id: 'redress-condition-expression',
    kind: 'area',
    label: 'Condition (Python expression over the case data)',
    description: "e.g. payment_status == 'none'; leave empty on the gateway's default flow",
    get: () => getBusinessObject(element).conditionExpression?.body || '',
    set: (el, value, injector) => {
      const modeling = injector.get('modeling');
      if (!value) {
        modeling.updateProperties(el, { conditionExpression: undefined });
        return;
      }
      const expression = injector.get('bpmnFactory').create('bpmn:FormalExpression', { body: value });
      modeling.updateProperties(el, { conditionExpression: expression });
    },
  })]);
}
