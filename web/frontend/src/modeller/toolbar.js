// The toolbar every editor shares: autosave status, check, deploy, download, upload, problems.
import { call, fileUrl, page, RequestError } from './http.js';

const status = document.getElementById('save-status');
const problemBox = document.getElementById('problems');
const problemList = document.getElementById('problem-list');

export function say(text) {
  if (status) status.textContent = text;
}

/** Show problems (strings or {text, element}) in the GOV.UK error summary above the editor. */
export function showProblems(problems, onPick) {
  problemList.replaceChildren();
  for (const problem of problems) {
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = '#canvas';
    link.textContent = typeof problem === 'string' ? problem : problem.text;
    if (problem.element) link.dataset.element = problem.element;
    link.addEventListener('click', (event) => {
      if (onPick && link.dataset.element) {
        event.preventDefault();
        onPick(link.dataset.element);
      }
    });
    item.append(link);
    problemList.append(item);
  }
  problemBox.hidden = problems.length === 0;
}

/**
 * Wire the buttons. `source()` returns the current file text; `load(text)` replaces it.
 * Saving is debounced autosave; `onSaved(problems)` gets the server's deploy check.
 */
export function toolbar({ source, load, onChecked = () => {}, extension }) {
  let timer = null;
  let saving = Promise.resolve();

  async function save() {
    const text = await source();
    saving = call(fileUrl(), { method: 'PUT', body: text })
      .then((draft) => say(`Draft saved by ${draft.saved_by} at ${new Date(draft.saved_at).toLocaleTimeString('en-GB')}`))
      .catch((error) => say(`Not saved: ${error.message}`));
    await saving;
    return check();
  }

  async function check() {
    try {
      const { problems } = await call(`${encodeURIComponent(page.package)}/check`, { method: 'POST' });
      onChecked(problems);
      return problems;
    } catch (error) {
      onChecked([error.message]);
      return [error.message];
    }
  }

  function changed() {
    if (page.canDeploy !== 'true') return;
    say('Unsaved changes…');
    clearTimeout(timer);
    timer = setTimeout(save, 800);
  }

  async function deploy() {
    clearTimeout(timer);
    await save();
    await saving;
    say('Deploying…');
    try {
      const result = await call(`${encodeURIComponent(page.package)}/deploy`, { method: 'POST' });
      const made = result.changed.length
        ? `new version of ${result.changed.map((p) => `${p} (v${result.processes[p]})`).join(', ')}`
        : 'nothing changed, no new version';
      say(`Deployed: ${made}`);
      showProblems([]);
      document.dispatchEvent(new CustomEvent('redress:deployed', { detail: result }));
    } catch (error) {
      say('Not deployed');
      showProblems([error instanceof RequestError ? error.message : String(error)]);
    }
  }

  async function download() {
    const blob = new Blob([await source()], { type: 'application/octet-stream' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = page.filename;
    link.click();
    URL.revokeObjectURL(link.href);
  }

  async function upload(event) {
    const [file] = event.target.files;
    event.target.value = '';
    if (!file) return;
    if (!file.name.toLowerCase().endsWith(extension)) {
      showProblems([`${file.name}: choose a ${extension} file to replace ${page.filename}`]);
      return;
    }
    const text = await file.text();
    try {
      await call(fileUrl(), { method: 'PUT', body: text });
      await load(text);
      say(`Uploaded ${file.name} as the draft of ${page.filename}`);
      await check();
    } catch (error) {
      showProblems([error.message]);
    }
  }

  document.querySelector('[data-action="check"]')?.addEventListener('click', check);
  document.querySelector('[data-action="deploy"]')?.addEventListener('click', deploy);
  document.querySelector('[data-action="download"]')?.addEventListener('click', download);
  document.getElementById('upload')?.addEventListener('change', upload);
  return { changed, save, check };
}
