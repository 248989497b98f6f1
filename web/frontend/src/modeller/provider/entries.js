// Small wrappers over the properties panel's entry components (no JSX: preact's h).
import { h } from '@bpmn-io/properties-panel/preact';
import {
  Group, SelectEntry, TextAreaEntry, TextFieldEntry,
  isSelectEntryEdited, isTextAreaEntryEdited, isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';

// Components are made once per entry id (a new function each render would remount the input
// and lose focus while typing); each render reads the entry's latest spec.
const specs = new Map();
const components = new Map();

function component(Entry, specId) {
  return function RedressEntry(props) {
    const injector = useService('injector');
    const debounce = useService('debounceInput');
    const { element, id } = props;
    const spec = specs.get(specId);
    return h(Entry, {
      element,
      id,
      label: spec.label,
      description: typeof spec.description === 'function' ? spec.description(element) : spec.description,
      getValue: () => spec.get(element) ?? '',
      setValue: (value) => spec.set(element, value ?? '', injector),
      getOptions: spec.options ? () => spec.options(element) : undefined,
      validate: spec.validate ? (value) => spec.validate(value, element) : undefined,
      debounce,
      rows: spec.rows,
    });
  };
}

const KINDS = {
  text: [TextFieldEntry, isTextFieldEntryEdited],
  area: [TextAreaEntry, isTextAreaEntryEdited],
  select: [SelectEntry, isSelectEntryEdited],
};

/** One panel entry: {id, kind: text|area|select, label, get, set, options?, description?}. */
export function entry(element, spec) {
  const [Entry, isEdited] = KINDS[spec.kind || 'text'];
  specs.set(spec.id, spec);
  if (!components.has(spec.id)) components.set(spec.id, component(Entry, spec.id));
  return { id: spec.id, element, component: components.get(spec.id), isEdited };
}

export const group = (id, label, entries) => ({ id, label, entries, component: Group });
