// Timers: a working-day deadline helper that writes the expression the engine evaluates.
import { getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';
import { catalogue } from '../catalogue.js';
import { entry, group } from './entries.js';

const HELPER = /^working_day_deadline\(\s*(\w+)\s*,\s*(\d+)\s*,\s*(\w+)\s*\)$/;

export function timerDefinition(element) {
  const defs = getBusinessObject(element).get('eventDefinitions') || [];
  return defs.find((d) => d.$type === 'bpmn:TimerEventDefinition');
}

export function timerExpression(definition) {
  const expr = definition && (definition.timeDate || definition.timeDuration || definition.timeCycle);
  return expr ? (expr.body || '').trim() : '';
}

function parts(element) {
  const match = HELPER.exec(timerExpression(timerDefinition(element)));
  return match ? { from: match[1], days: match[2], division: match[3] } : null;
}

function write(element, change, injector) {
  const definition = timerDefinition(element);
  const now = parts(element) || { from: 'received_date', days: '15', division: 'division' };
  const next = { ...now, ...change };
  const body = `working_day_deadline(${next.from}, ${next.days}, ${next.division})`;
  const modeling = injector.get('modeling');
  if (definition.timeDate) {
    modeling.updateModdleProperties(element, definition.timeDate, { body });
    return;
  }
  const expression = injector.get('bpmnFactory').create('bpmn:FormalExpression', { body });
  expression.$parent = definition;
  modeling.updateModdleProperties(element, definition, {
    timeDate: expression, timeDuration: undefined, timeCycle: undefined,
  });
}

export function timerGroup(element) {
  if (!timerDefinition(element)) return null;
  const uses = catalogue.functions.length ? `Functions: ${catalogue.functions.join(', ')}` : '';
  return group('redress-timer', 'Working-day deadline', [
    entry(element, {
      id: 'redress-timer-days',
      label: 'Working days',
      description: `Writes working_day_deadline(start, days, division) as the timer's date. ${uses}`,
      get: () => parts(element)?.days || '',
      set: (el, value, injector) => write(el, { days: String(parseInt(value, 10) || 0) }, injector),
      validate: (value) => (value && !/^\d{1,3}$/.test(value) ? 'Enter a whole number of working days' : null),
    }),
    entry(element, {
      id: 'redress-timer-from',
      label: 'Counted from (case data)',
      get: () => parts(element)?.from || '',
      set: (el, value, injector) => write(el, { from: value || 'received_date' }, injector),
    }),
  ]);
}
