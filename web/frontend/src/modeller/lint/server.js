// Results of the server's checks that the lint rules read: expression parsing, deploy validation.
import { call } from '../http.js';

export const server = { expressions: {}, deploy: [] };

function expressionsOf(definitions) {
  const found = {};
  const visit = (el) => {
    if (!el || typeof el !== 'object') return;
    if (el.$type === 'bpmn:SequenceFlow' && el.conditionExpression?.body) found[el.id] = el.conditionExpression.body;
    for (const def of el.eventDefinitions || []) {
      const expr = def.timeDate || def.timeDuration || def.timeCycle;
      if (expr?.body) found[el.id] = expr.body;
    }
    for (const child of [...(el.rootElements || []), ...(el.flowElements || [])]) visit(child);
  };
  visit(definitions);
  return found;
}

/** Ask the server to parse every timer and condition; true when the answer changed. */
export async function checkExpressions(definitions) {
  const expressions = expressionsOf(definitions);
  const { problems } = await call('expressions/check', { method: 'POST', json: { expressions } });
  const changed = JSON.stringify(problems) !== JSON.stringify(server.expressions);
  server.expressions = problems;
  return changed;
}

/** Deploy problems as markers: each one names an element id when it can. */
export function setDeployProblems(problems, ids) {
  server.deploy = problems.map((text) => ({ text, element: ids.find((id) => text.includes(id)) }));
  return server.deploy;
}
