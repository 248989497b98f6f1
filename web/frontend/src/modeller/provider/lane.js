// Lanes name roles: a user task in a lane is offered to that role's queue.
import { is } from 'bpmn-js/lib/util/ModelUtil';
import { catalogue } from '../catalogue.js';
import { entry, group } from './entries.js';

export function laneGroup(element) {
  if (!is(element, 'bpmn:Lane')) return null;
  return group('redress-lane', 'Role', [entry(element, {
    id: 'redress-lane-role',
    kind: 'select',
    label: 'Role whose queue this lane is',
    get: () => element.businessObject.name || '',
    set: (el, value, injector) => injector.get('modeling').updateProperties(el, { name: value }),
    options: () => {
      const known = catalogue.roles.map((r) => ({ value: r.id, label: `${r.name} (${r.id})` }));
      const current = element.businessObject.name;
      return current && !catalogue.roles.some((r) => r.id === current)
        ? [{ value: current, label: `${current} (not a role)` }, ...known]
        : [{ value: '', label: '(choose a role)' }, ...known];
    },
  })]);
}
