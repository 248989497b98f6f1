// What the panel offers to pick from, fetched once per page: handlers, roles, processes, rules.
import { call, page } from './http.js';

export const catalogue = {
  handlers: [],
  roles: [],
  processes: [],
  functions: [],
  rules: {},
  forms: JSON.parse(page.forms || '[]'),
};

export async function loadCatalogue() {
  const [handlers, roles, processes, functions, rules] = await Promise.all([
    call('handlers'), call('roles'), call('processes'), call('functions'), call('rules'),
  ]);
  Object.assign(catalogue, { handlers, roles, processes, functions, rules });
  return catalogue;
}

export const handler = (operator) => catalogue.handlers.find((h) => h.operator === operator);
