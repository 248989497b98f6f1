// Redress's own lint rules: what the engine would refuse at deploy, or run into later.
import { is, isAny } from 'bpmnlint-utils';
import { catalogue, handler } from '../catalogue.js';
import { laneOf } from '../extensions.js';
import { server } from './server.js';

const ext = (node, type) => (node.extensionElements?.values || []).find((v) => is(v, type));
const prop = (node, name) => ext(node, 'spiffworkflow:Properties')?.properties?.find((p) => p.name === name)?.value;

function rule(name, check) {
  return () => ({ check, meta: { documentation: { url: `/modeller/rules#${name}` } } });
}

const handlerOperator = rule('handler-operator', (node, reporter) => {
  if (!is(node, 'bpmn:ServiceTask')) return;
  const op = ext(node, 'spiffworkflow:ServiceTaskOperator');
  if (!op?.id) {
    reporter.report(node.id, 'Service task has no handler: pick one in the panel');
    return;
  }
  const known = handler(op.id);
  if (!known) {
    if (catalogue.handlers.length) reporter.report(node.id, `No handler is registered as ${op.id}`);
    return;
  }
  const given = new Set((op.parameterList?.parameters || []).filter((p) => p.value).map((p) => p.id));
  for (const param of known.parameters) {
    if (param.required && !given.has(param.name)) {
      reporter.report(node.id, `${op.id} needs the parameter ${param.name}`);
    }
  }
});

const userTaskForm = rule('user-task-form', (node, reporter) => {
  if (!is(node, 'bpmn:UserTask')) return;
  const form = prop(node, 'formJsonSchemaFilename');
  if (!form) reporter.report(node.id, 'User task has no form: pick one in the panel');
  else if (catalogue.forms.length && !catalogue.forms.includes(form)) {
    reporter.report(node.id, `Form ${form} is not in the package`);
  }
});

const userTaskLane = rule('user-task-lane', (node, reporter) => {
  if (is(node, 'bpmn:UserTask') && !laneOf(node)) {
    reporter.report(node.id, 'User task is in no lane, so no role\'s queue offers it');
  }
  if (is(node, 'bpmn:Lane') && !node.childLaneSet && catalogue.roles.length
      && !catalogue.roles.some((r) => r.id === node.name)) {
    reporter.report(node.id, `Lane "${node.name || ''}" is not a role: pick one in the panel`);
  }
});

const expressions = rule('expression-parses', (node, reporter) => {
  const problem = server.expressions[node.id];
  if (problem) reporter.report(node.id, `Expression does not parse: ${problem}`);
});

const callTarget = rule('call-target', (node, reporter) => {
  if (!is(node, 'bpmn:CallActivity')) return;
  const target = node.calledElement;
  let process = node.$parent;
  while (process && !is(process, 'bpmn:Process')) process = process.$parent;
  const local = (process?.$parent?.rootElements || []).filter((e) => is(e, 'bpmn:Process')).map((e) => e.id);
  if (!target) reporter.report(node.id, 'Call activity calls no process: pick one in the panel');
  else if (target === process?.id) reporter.report(node.id, 'Call activity calls its own process: a call cycle');
  else if (catalogue.processes.length && !local.includes(target)
           && !catalogue.processes.some((p) => p.id === target)) {
    reporter.report(node.id, `Called process ${target} is not deployed`);
  }
});

function reachable(container) {
  const nodes = (container.flowElements || []).filter((e) => isAny(e, ['bpmn:FlowNode']) && !is(e, 'bpmn:BoundaryEvent'));
  const starts = nodes.filter((n) => is(n, 'bpmn:StartEvent') || (is(n, 'bpmn:SubProcess') && n.triggeredByEvent)
    || (!(n.incoming || []).length && is(n, 'bpmn:IntermediateCatchEvent') && (n.eventDefinitions || []).some((d) => is(d, 'bpmn:LinkEventDefinition'))));
  const seen = new Set();
  const todo = [...starts];
  const boundaries = (container.flowElements || []).filter((e) => is(e, 'bpmn:BoundaryEvent'));
  while (todo.length) {
    const node = todo.pop();
    if (seen.has(node)) continue;
    seen.add(node);
    for (const flow of node.outgoing || []) if (flow.targetRef) todo.push(flow.targetRef);
    for (const b of boundaries) if (b.attachedToRef === node) todo.push(b);
  }
  return { nodes: [...nodes, ...boundaries], seen };
}

const unreachable = rule('unreachable', (node, reporter) => {
  if (!(is(node, 'bpmn:Process') || (is(node, 'bpmn:SubProcess')))) return;
  const { nodes, seen } = reachable(node);
  for (const n of nodes) {
    if (!seen.has(n) && (n.incoming || []).length) reporter.report(n.id, 'No path from a start event reaches this element');
  }
});

const serverCheck = rule('deploy-check', (node, reporter) => {
  for (const problem of server.deploy) {
    if (problem.element === node.id) reporter.report(node.id, `Deploy would refuse: ${problem.text}`);
  }
});

export const OWN_RULES = {
  'handler-operator': handlerOperator,
  'user-task-form': userTaskForm,
  'user-task-lane': userTaskLane,
  'expression-parses': expressions,
  'call-target': callTarget,
  unreachable,
  'deploy-check': serverCheck,
};
