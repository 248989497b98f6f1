// Reading and writing the SpiffWorkflow extension elements of a diagram element, undoably.
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

export const FORM = 'formJsonSchemaFilename';
export const RULES = 'rules';

export function extension(element, type) {
  const ext = getBusinessObject(element).get('extensionElements');
  return ext ? ext.get('values').find((v) => is(v, type)) : undefined;
}

/** The extension element of `type`, created (with extensionElements) when missing. */
export function ensureExtension(element, type, injector) {
  const bpmnFactory = injector.get('bpmnFactory');
  const modeling = injector.get('modeling');
  const bo = getBusinessObject(element);
  let ext = bo.get('extensionElements');
  if (!ext) {
    ext = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    modeling.updateModdleProperties(element, bo, { extensionElements: ext });
  }
  let found = ext.get('values').find((v) => is(v, type));
  if (!found) {
    found = bpmnFactory.create(type);
    found.$parent = ext;
    modeling.updateModdleProperties(element, ext, { values: [...ext.get('values'), found] });
  }
  return found;
}

export function property(element, name) {
  const props = extension(element, 'spiffworkflow:Properties');
  const found = props?.get('properties').find((p) => p.name === name);
  return found ? found.value || '' : '';
}

export function setProperty(element, name, value, injector) {
  const modeling = injector.get('modeling');
  const props = ensureExtension(element, 'spiffworkflow:Properties', injector);
  const found = props.get('properties').find((p) => p.name === name);
  if (found) {
    modeling.updateModdleProperties(element, found, { value });
    return;
  }
  const made = injector.get('bpmnFactory').create('spiffworkflow:Property', { name, value });
  made.$parent = props;
  modeling.updateModdleProperties(element, props, { properties: [...props.get('properties'), made] });
}

export function operator(element) {
  return extension(element, 'spiffworkflow:ServiceTaskOperator');
}

export function parameters(element) {
  const op = operator(element);
  const list = op?.get('parameterList');
  return list ? list.get('parameters') : [];
}

export function setParameter(element, id, value, injector) {
  const modeling = injector.get('modeling');
  const bpmnFactory = injector.get('bpmnFactory');
  const op = ensureExtension(element, 'spiffworkflow:ServiceTaskOperator', injector);
  let list = op.get('parameterList');
  if (!list) {
    list = bpmnFactory.create('spiffworkflow:Parameters', { parameters: [] });
    list.$parent = op;
    modeling.updateModdleProperties(element, op, { parameterList: list });
  }
  const found = list.get('parameters').find((p) => p.id === id);
  if (found && value === '') {
    modeling.updateModdleProperties(element, list, { parameters: list.get('parameters').filter((p) => p !== found) });
  } else if (found) {
    modeling.updateModdleProperties(element, found, { value });
  } else if (value !== '') {
    const made = bpmnFactory.create('spiffworkflow:Parameter', { id, type: 'any', value });
    made.$parent = list;
    modeling.updateModdleProperties(element, list, { parameters: [...list.get('parameters'), made] });
  }
}

/** The lane an element sits in (by the lanes' flowNodeRef lists; inside a subprocess, its lane). */
export function laneOf(element) {
  let bo = element;
  while (bo.$parent && is(bo.$parent, 'bpmn:SubProcess')) bo = bo.$parent;
  const process = bo.$parent;
  const sets = process?.get ? process.get('laneSets') || [] : [];
  const stack = [...sets];
  while (stack.length) {
    const set = stack.pop();
    for (const lane of set.get('lanes') || []) {
      if ((lane.get('flowNodeRef') || []).includes(bo)) {
        const child = lane.get('childLaneSet');
        if (child) stack.push(child);
        else return lane;
      }
    }
  }
  return undefined;
}
