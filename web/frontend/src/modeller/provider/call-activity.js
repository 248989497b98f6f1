// Call activities call a deployed process (or one of this package) by its id.
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';
import { catalogue } from '../catalogue.js';
import { entry, group } from './entries.js';

export function callActivityGroup(element) {
  if (!is(element, 'bpmn:CallActivity')) return null;
  return group('redress-call', 'Called process', [entry(element, {
    id: 'redress-called-element',
    kind: 'select',
    label: 'Process to call',
    description: 'New cases call its latest deployed version',
    get: () => getBusinessObject(element).calledElement || '',
    set: (el, value, injector) => injector.get('modeling').updateProperties(el, { calledElement: value }),
    options: () => {
      const current = getBusinessObject(element).calledElement;
      const known = catalogue.processes.map((p) => ({ value: p.id, label: `${p.id} (v${p.version})` }));
      const missing = current && !catalogue.processes.some((p) => p.id === current)
        ? [{ value: current, label: `${current} (not deployed)` }] : [];
      return [{ value: '', label: '(choose a process)' }, ...missing, ...known];
    },
  })]);
}
