// Form schemas: edit the JSON Schema and preview it exactly as the caseworker's task page draws it.
import './modeller/modeller.css';

import { call, fileUrl, page } from './modeller/http.js';
import { say, showProblems, toolbar } from './modeller/toolbar.js';

const editor = document.getElementById('schema');
const preview = document.getElementById('form-preview');
document.getElementById('canvas').parentElement.hidden = true;

const isForm = page.kind === 'form';

async function render() {
  if (!isForm) return true; // letter templates: plain text, checked by the server on save
  try {
    JSON.parse(editor.value);
  } catch (error) {
    showProblems([`Not valid JSON: ${error.message}`]);
    return false;
  }
  try {
    const html = await call('form-preview', { method: 'POST', body: editor.value, as: 'text' });
    // The server's own rendering (Jinja, autoescaped) of the schema: the caseworker's markup.
    preview.innerHTML = html;
    showProblems([]);
    return true;
  } catch (error) {
    showProblems([error.message]);
    return false;
  }
}

const tools = toolbar({
  source: async () => editor.value,
  load: async (text) => { editor.value = text; await render(); },
  extension: isForm ? '.json' : '.j2',
  onChecked: (problems) => problems.length && showProblems(problems),
});

let timer = null;
editor.addEventListener('input', () => {
  clearTimeout(timer);
  timer = setTimeout(async () => { if (await render()) tools.changed(); }, 500);
});

call(fileUrl(), { as: 'text' })
  .then(async (text) => {
    editor.value = text;
    await render();
    document.getElementById('modeller').dataset.ready = 'true';
  })
  .catch((error) => say(`The form could not be opened: ${error.message}`));
