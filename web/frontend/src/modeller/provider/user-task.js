// User task: the form it shows (a JSON Schema of the package), with a link to edit and preview it.
import { is } from 'bpmn-js/lib/util/ModelUtil';
import { catalogue } from '../catalogue.js';
import { FORM, property, setProperty } from '../extensions.js';
import { page } from '../http.js';
import { entry, group } from './entries.js';

export function userTaskGroup(element) {
  if (!is(element, 'bpmn:UserTask')) return null;
  return group('redress-user-task', 'Form', [
    entry(element, {
      id: 'redress-form',
      kind: 'select',
      label: 'Form (JSON Schema)',
      description: () => {
        const form = property(element, FORM);
        return form ? `Edit and preview it at /modeller/${page.package}/edit/${form}` : 'The caseworker fills this form to complete the task';
      },
      get: () => property(element, FORM),
      set: (el, value, injector) => setProperty(el, FORM, value, injector),
      options: () => [{ value: '', label: '(no form)' },
        ...catalogue.forms.map((f) => ({ value: f, label: f }))],
    }),
    entry(element, {
      id: 'redress-due',
      label: 'Due date expression',
      description: 'Optional, e.g. working_day_deadline(received_date, 15, division)',
      get: () => property(element, 'dueDateExpression'),
      set: (el, value, injector) => setProperty(el, 'dueDateExpression', value, injector),
    }),
  ]);
}
