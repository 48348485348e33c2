/** @module dashboard/web/renderers/csv — comma-separated values as a table (quoted fields per RFC 4180). */

import { createElement } from "../dom.js";

/** Rows shown: a table larger than this is for a spreadsheet, not a glance. */
const MAX_ROWS = 500;

/** Parses CSV text: quoted fields may hold commas, doubled quotes and line breaks. */
export function parseCsv(text: string, maxRows = Number.POSITIVE_INFINITY): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let index = 0; index < text.length && rows.length < maxRows; index++) {
    const character = text[index];
    if (quoted) {
      if (character === '"') {
        if (text[index + 1] === '"') {
          field += '"';
          index += 1;
        } else quoted = false;
      } else field += character;
    } else if (character === '"') quoted = true;
    else if (character === ",") {
      row.push(field);
      field = "";
    } else if (character === "\n" || character === "\r") {
      if (character === "\r" && text[index + 1] === "\n") index += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += character;
  }
  if ((field !== "" || row.length > 0) && rows.length < maxRows) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** The CSV as a table; the first row is the header. */
export function renderCsv(text: string): HTMLElement {
  const rows = parseCsv(text, MAX_ROWS + 1);
  const [header = [], ...body] = rows;
  const table = createElement("table", { class: "value-csv" });
  table.append(
    createElement(
      "thead",
      {},
      createElement("tr", {}, ...header.map((cell) => createElement("th", {}, cell))),
    ),
  );
  const tbody = createElement("tbody");
  for (const row of body.slice(0, MAX_ROWS)) {
    tbody.append(createElement("tr", {}, ...row.map((cell) => createElement("td", {}, cell))));
  }
  table.append(tbody);
  const container = createElement("div", { class: "csv-view" }, table);
  if (body.length > MAX_ROWS) {
    container.append(
      createElement(
        "p",
        { class: "hint" },
        `First ${MAX_ROWS} rows shown; open the raw value for all.`,
      ),
    );
  }
  return container;
}
