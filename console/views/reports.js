// Reports (owners): is every client answered, and how fast — the headline figures with their
// definitions, opened per day (an SVG bar chart), the weekday × hour heatmap (an SVG grid), the
// operators, the clients waiting now, and the period's rows as CSV. The charts are drawn here, in
// shapes, outlines and numbers rather than colour alone, so they read in black and white, and each
// is an image with a text alternative that says what it shows.

import { useEffect, useState } from "preact/hooks";
import { ApiError, describe, savedSession } from "../api.js";
import { html } from "../html.js";
import { lang, when } from "../i18n.js";

const PATH = "/webhook/api/operator/reports";
// Layout as style objects (set through the DOM, which the console's CSP allows), so the page needs
// no rules in the shared stylesheet.
const ROW = { display: "flex", flexWrap: "wrap", gap: "0.75rem", alignItems: "flex-end", margin: "0.5rem 0 1rem" };
const FIELD = { display: "flex", flexDirection: "column", gap: "0.25rem" };
const AUTO = { width: "auto" };
const CELL = { padding: "0.25rem 0.75rem", textAlign: "right" };
const NAME_CELL = { padding: "0.25rem 0.75rem", textAlign: "left" };

const STRINGS = {
  en: {
    reports: "Reports",
    period: "Period",
    from: "From",
    to: "To",
    channel: "Channel",
    all_channels: "All channels",
    show: "Show",
    download_csv: "Download CSV",
    loading: "Loading…",
    figures: "Headline figures",
    first_response: "First response (median)",
    first_response_def: (target) =>
      `From the client's message that opened or reopened an appeal to the first answer (a response or promo; notes never count), per opening of the period. In brackets: the same in business time, counting only working hours. Target: ${target}.`,
    p90: "90% answered within",
    p90_def: "Nine openings in ten got their first answer within this time.",
    within_target: (target) => `Answered within ${target}`,
    within_target_def: "Of the openings answered in the period, the share answered within the target.",
    reply: "Reply time (median)",
    reply_def: "From a client's message that waited for an operator (the first of a run) to the next answer.",
    unanswered: "Unanswered",
    unanswered_def: "Openings of the period still open at its end without any answer.",
    lost: "Lost",
    lost_def: "Openings of the period that were closed or rejected without any answer.",
    waiting: "Waiting now",
    waiting_def: "Open appeals whose latest message (notes left out) is the client's.",
    business: (s) => `business time ${s}`,
    by_day: "Appeals opened per day",
    by_day_alt: (total, days, top) =>
      `Bar chart: ${total} appeals opened over ${days} days` + (top ? `; busiest ${top.date} with ${top.count}.` : "."),
    heatmap: "When clients write (weekday × hour)",
    heatmap_alt: (top) =>
      top ? `Heatmap of openings by weekday and hour; busiest: ${top}.` : "Heatmap of openings by weekday and hour; none.",
    darker: "Darker cells: more appeals opened; the number is the count.",
    by_channel: "By channel",
    operators: "Operators",
    operator: "Operator",
    taken: "Taken",
    answered: "Answers sent",
    transferred_out: "Transferred out",
    closed: "Closed",
    rejected: "Rejected",
    op_first_response: "First response (median)",
    waiting_list: "Clients waiting now",
    nobody_waiting: "Nobody is waiting.",
    waiting_for: (s) => `waiting ${s}`,
    no_name: "No name",
    none: "—",
    weekdays: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    channels: { telegram: "Telegram", vk: "VK", max: "MAX" },
  },
  ru: {
    reports: "Отчёты",
    period: "Период",
    from: "С",
    to: "По",
    channel: "Канал",
    all_channels: "Все каналы",
    show: "Показать",
    download_csv: "Скачать CSV",
    loading: "Загрузка…",
    figures: "Главные цифры",
    first_response: "Первый ответ (медиана)",
    first_response_def: (target) =>
      `От сообщения клиента, открывшего (или переоткрывшего) обращение, до первого ответа (ответ или акция; заметки не считаются), по каждому открытию за период. В скобках — то же в рабочем времени. Цель: ${target}.`,
    p90: "90% получили ответ за",
    p90_def: "Девять открытий из десяти получили первый ответ за это время.",
    within_target: (target) => `Ответ за ${target}`,
    within_target_def: "Доля открытий периода с ответом, получивших его в пределах цели.",
    reply: "Время ответа (медиана)",
    reply_def: "От сообщения клиента, ждавшего оператора (первого в серии), до следующего ответа.",
    unanswered: "Без ответа",
    unanswered_def: "Открытия периода, открытые на его конец и без ответа.",
    lost: "Потеряно",
    lost_def: "Открытия периода, закрытые или отклонённые без ответа.",
    waiting: "Ждут сейчас",
    waiting_def: "Открытые обращения, где последнее сообщение (кроме заметок) — от клиента.",
    business: (s) => `рабочее время ${s}`,
    by_day: "Обращения по дням",
    by_day_alt: (total, days, top) =>
      `Столбчатая диаграмма: ${total} обращений за ${days} дн.` + (top ? `; больше всего ${top.date}: ${top.count}.` : "."),
    heatmap: "Когда пишут клиенты (день недели × час)",
    heatmap_alt: (top) => (top ? `Тепловая карта обращений по дням и часам; пик: ${top}.` : "Тепловая карта обращений; пусто."),
    darker: "Темнее — больше обращений; число — их количество.",
    by_channel: "По каналам",
    operators: "Операторы",
    operator: "Оператор",
    taken: "Взято",
    answered: "Ответов",
    transferred_out: "Передано",
    closed: "Закрыто",
    rejected: "Отклонено",
    op_first_response: "Первый ответ (медиана)",
    waiting_list: "Кто ждёт сейчас",
    nobody_waiting: "Никто не ждёт.",
    waiting_for: (s) => `ждёт ${s}`,
    no_name: "Без имени",
    none: "—",
    weekdays: ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"],
    channels: { telegram: "Telegram", vk: "ВКонтакте", max: "MAX" },
  },
};

function s(key, ...args) {
  const value = STRINGS[lang][key] ?? STRINGS.en[key];
  return typeof value === "function" ? value(...args) : value;
}

/** A duration as people say it: 45 s, 12 min, 3 h 5 min, 2 d 4 h. */
export function duration(seconds) {
  if (seconds == null) return s("none");
  const v = Math.round(seconds);
  const ru = lang === "ru";
  if (v < 60) return `${v} ${ru ? "с" : "s"}`;
  if (v < 3600) return `${Math.round(v / 60)} ${ru ? "мин" : "min"}`;
  if (v < 86400) {
    const m = Math.round((v % 3600) / 60);
    return `${Math.floor(v / 3600)} ${ru ? "ч" : "h"}` + (m ? ` ${m} ${ru ? "мин" : "min"}` : "");
  }
  return `${Math.floor(v / 86400)} ${ru ? "д" : "d"} ${Math.round((v % 86400) / 3600)} ${ru ? "ч" : "h"}`;
}

async function get(path, query) {
  const session = savedSession();
  const search = new URLSearchParams(Object.entries(query).filter(([, v]) => v));
  const response = await fetch(`${path}?${search}`, {
    headers: session ? { authorization: `Bearer ${session.token}` } : {},
    cache: "no-store",
  });
  if (!response.ok) {
    let error = {};
    try {
      error = (await response.json()).error || {};
    } catch {
      // not the envelope
    }
    throw new ApiError(response.status, error.code || "unknown", error.message || "");
  }
  return response;
}

export function Reports() {
  const [query, setQuery] = useState({ from: "", to: "", channel: "" });
  const [report, setReport] = useState(null);
  const [error, setError] = useState(null);

  const load = async (q) => {
    setError(null);
    try {
      setReport(await (await get(`${PATH}/summary`, q)).json());
    } catch (err) {
      setError(describe(err));
    }
  };
  useEffect(() => {
    load(query);
  }, []);

  const submit = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const q = { from: form.get("from"), to: form.get("to"), channel: form.get("channel") };
    setQuery(q);
    load(q);
  };

  const downloadCsv = async () => {
    setError(null);
    try {
      const blob = await (await get(`${PATH}/appeals.csv`, query)).blob();
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `appeals-${report.period.from}-${report.period.to}.csv`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 1000);
    } catch (err) {
      setError(describe(err));
    }
  };

  return html`
    <main class="reports" style=${{ padding: "0 1rem 2rem" }}>
      <h1>${s("reports")}</h1>
      <form class="report-period" aria-label=${s("period")} onSubmit=${submit} style=${ROW}>
        <label style=${FIELD}>${s("from")} <input type="date" name="from" style=${AUTO} value=${query.from || report?.period.from || ""} /></label>
        <label style=${FIELD}>${s("to")} <input type="date" name="to" style=${AUTO} value=${query.to || report?.period.to || ""} /></label>
        <label style=${FIELD}>${s("channel")}
          <select name="channel" style=${AUTO} value=${query.channel}>
            <option value="">${s("all_channels")}</option>
            ${Object.entries(s("channels")).map(([value, label]) => html`<option value=${value}>${label}</option>`)}
          </select>
        </label>
        <button type="submit">${s("show")}</button>
        <button type="button" onClick=${downloadCsv} disabled=${!report}>${s("download_csv")}</button>
      </form>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${report === null ? !error && html`<p>${s("loading")}</p>` : html`<${Report} report=${report} />`}
    </main>
  `;
}

function Report({ report }) {
  const fr = report.first_response;
  const target = duration(report.period.first_response_target_s);
  const pct = (v) => (v == null ? s("none") : `${v}%`);
  const figures = [
    ["first_response", duration(fr.median_s), s("business", duration(fr.business_median_s)), s("first_response_def", target)],
    ["p90", duration(fr.p90_s), s("business", duration(fr.business_p90_s)), s("p90_def")],
    ["within_target", pct(fr.within_target_pct), s("business", pct(fr.business_within_target_pct)), s("within_target_def"), target],
    ["reply", duration(report.reply.median_s), null, s("reply_def")],
    ["unanswered", String(fr.unanswered), null, s("unanswered_def")],
    ["lost", String(report.lost), null, s("lost_def")],
    ["waiting", String(report.waiting_now.count), report.waiting_now.count ? s("waiting_for", duration(report.waiting_now.oldest_wait_s)) : null, s("waiting_def")],
  ];
  return html`
    <section aria-labelledby="figures-heading">
      <h2 id="figures-heading" class="visually-hidden">${s("figures")}</h2>
      <dl class="report-figures" style=${{ display: "flex", flexWrap: "wrap", gap: "1rem" }}>
        ${figures.map(([key, value, extra, definition, arg]) => html`
          <div class="report-figure" title=${definition} style=${{ border: "1px solid currentColor", padding: "0.5rem 0.75rem", minWidth: "10rem" }}>
            <dt id=${`fig-${key}`} aria-describedby=${`def-${key}`}>${s(key, arg)}</dt>
            <dd style=${{ fontSize: "1.6em", margin: 0 }} aria-labelledby=${`fig-${key}`}>${value}</dd>
            ${extra && html`<dd style=${{ margin: 0 }}>${extra}</dd>`}
            <dd id=${`def-${key}`} class="visually-hidden">${definition}</dd>
          </div>`)}
      </dl>
    </section>
    <section aria-labelledby="by-day-heading">
      <h2 id="by-day-heading">${s("by_day")}</h2>
      <${DayChart} days=${report.volume.by_day} />
      <p>${s("by_channel")}: ${Object.entries(report.volume.by_channel).map(([c, n]) => `${s("channels")[c] || c} ${n}`).join(" · ")}</p>
    </section>
    <section aria-labelledby="heatmap-heading">
      <h2 id="heatmap-heading">${s("heatmap")}</h2>
      <${Heatmap} rows=${report.volume.heatmap} />
      <p class="hint">${s("darker")}</p>
    </section>
    <section aria-labelledby="operators-heading">
      <h2 id="operators-heading">${s("operators")}</h2>
      <table class="report-operators" aria-labelledby="operators-heading">
        <thead><tr>
          <th scope="col" style=${NAME_CELL}>${s("operator")}</th>
          ${["taken", "answered", "transferred_out", "closed", "rejected", "op_first_response"].map(
            (key) => html`<th scope="col" style=${CELL}>${s(key)}</th>`,
          )}
        </tr></thead>
        <tbody>${report.operators.map((o) => html`<tr>
          <th scope="row" style=${NAME_CELL}>${o.name}</th>
          ${[o.taken, o.answered, o.transferred_out, o.closed, o.rejected, duration(o.first_response_median_s)].map(
            (value) => html`<td style=${CELL}>${value}</td>`,
          )}
        </tr>`)}</tbody>
      </table>
    </section>
    <section aria-labelledby="waiting-heading">
      <h2 id="waiting-heading">${s("waiting_list")}</h2>
      ${report.waiting_now.appeals.length === 0
        ? html`<p>${s("nobody_waiting")}</p>`
        : html`<ul aria-labelledby="waiting-heading">${report.waiting_now.appeals.map((w) => html`<li>
            <a href=${`#/appeals/${w.id}`}>${w.client_name || s("no_name")}</a>
            ${" "}(${s("channels")[w.channel] || w.channel}) — ${s("waiting_for", duration(w.wait_s))},
            ${" "}<time datetime=${w.waiting_since}>${when(w.waiting_since)}</time>
          </li>`)}</ul>`}
    </section>
  `;
}

/** Bars of opened appeals per day, outlined and filled dark, with the count above the busiest day. */
function DayChart({ days }) {
  const width = 720;
  const height = 160;
  const max = Math.max(1, ...days.map((d) => d.count));
  const bar = width / Math.max(days.length, 1);
  const total = days.reduce((sum, d) => sum + d.count, 0);
  const top = days.reduce((best, d) => (d.count > (best ? best.count : 0) ? d : best), null);
  const label = s("by_day_alt", total, days.length, top);
  return html`
    <svg role="img" aria-label=${label} viewBox=${`0 0 ${width} ${height + 20}`} width="100%" style=${{ maxWidth: `${width}px` }}>
      <title>${label}</title>
      <line x1="0" y1=${height} x2=${width} y2=${height} stroke="currentColor" />
      ${days.map((d, i) => {
        const h = (d.count / max) * (height - 16);
        return html`<rect x=${i * bar + 1} y=${height - h} width=${Math.max(bar - 2, 1)} height=${h}
          fill="currentColor" fill-opacity="0.75" stroke="currentColor"><title>${d.date}: ${d.count}</title></rect>`;
      })}
      ${top && html`<text x=${days.indexOf(top) * bar + bar / 2} y=${height - ((top.count / max) * (height - 16)) - 3}
        text-anchor="middle" font-size="11" fill="currentColor">${top.count}</text>`}
      ${days.length > 0 && html`<text x="0" y=${height + 14} font-size="11" fill="currentColor">${days[0].date}</text>`}
      ${days.length > 1 && html`<text x=${width} y=${height + 14} font-size="11" text-anchor="end" fill="currentColor">${days[days.length - 1].date}</text>`}
    </svg>
  `;
}

/** 7 rows (Monday first) × 24 hours; grey levels from white to black, the count written in each
 * non-empty cell (white on dark cells), so it reads without colour. */
function Heatmap({ rows }) {
  const cell = 26;
  const left = 34;
  const top = 16;
  const max = Math.max(1, ...rows.flat());
  const weekdays = s("weekdays");
  let peak = null;
  rows.forEach((row, d) => row.forEach((n, h) => { if (n > 0 && (!peak || n > peak.n)) peak = { d, h, n }; }));
  const label = s("heatmap_alt", peak && `${weekdays[peak.d]} ${String(peak.h).padStart(2, "0")}:00 (${peak.n})`);
  return html`
    <svg role="img" aria-label=${label} viewBox=${`0 0 ${left + 24 * cell} ${top + 7 * cell}`} width="100%" style=${{ maxWidth: `${left + 24 * cell}px` }}>
      <title>${label}</title>
      ${Array.from({ length: 24 }, (_, h) => h % 3 === 0 && html`<text x=${left + h * cell + cell / 2} y="11" font-size="10" text-anchor="middle" fill="currentColor">${h}</text>`)}
      ${rows.map((row, d) => html`
        <text x="0" y=${top + d * cell + cell * 0.65} font-size="11" fill="currentColor">${weekdays[d]}</text>
        ${row.map((n, h) => {
          const level = n / max;
          const grey = Math.round(255 - level * 255);
          return html`<g>
            <rect x=${left + h * cell} y=${top + d * cell} width=${cell - 1} height=${cell - 1}
              fill=${`rgb(${grey},${grey},${grey})`} stroke="#767676" stroke-width="0.5">
              <title>${weekdays[d]} ${String(h).padStart(2, "0")}:00 — ${n}</title>
            </rect>
            ${n > 0 && html`<text x=${left + h * cell + cell / 2} y=${top + d * cell + cell * 0.65} font-size="10"
              text-anchor="middle" fill=${level > 0.5 ? "#fff" : "#000"} aria-hidden="true">${n}</text>`}
          </g>`;
        })}`)}
    </svg>
  `;
}
