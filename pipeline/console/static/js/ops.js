// Operators: queues, workers, outbox, SLA at risk and dead letters, refreshing on their own.
import { api } from "./api.js";
import { t } from "./i18n.js";
import { flash, h, showError, when } from "./ui.js";

const REFRESH_MS = 5000;
const FACTS = ["live_workers", "outbox_backlog", "outbox_oldest_seconds", "deadlines_warned", "deadlines_breached_last_hour", "dead_letters_pending"];

function queues(rows) {
  const cols = ["queue", "depth", "delayed", "dead", "oldest_age_seconds"];
  return h("table", { id: "queues" }, h("tr", {}, cols.map((c) => h("th", { scope: "col" }, t(`ops.${c}`)))),
    rows.map((r) => h("tr", {}, cols.map((c) => h("td", {}, c === "oldest_age_seconds" ? r[c].toFixed(1) : String(r[c]))))));
}

function letters(items, refresh) {
  const cols = ["id", "actor_name", "queue_name", "failures", "last_failed_at", "error", "replayed_at"];
  return h("table", { id: "dead-letters" }, h("tr", {}, [...cols, "replay"].map((c) => h("th", { scope: "col" }, t(`ops.${c}`)))),
    items.map((r) => h("tr", { "data-letter": r.id }, cols.map((c) => h("td", {}, c.endsWith("_at") ? when(r[c]) : String(r[c] ?? "—"))),
      h("td", {}, r.replayed_at ? t("ops.replayed") : h("button", { type: "button", onclick: async () => {
        try { await api("POST", `/v1/ops/dead-letters/${r.id}/replay`); flash(t("ops.replay_done", { id: r.id })); await refresh(); } catch (err) { showError(err); }
      } }, t("ops.replay"))))));
}

export async function opsPage(_, view) {
  let timer = null, stopped = false;
  async function refresh() {
    const [s, dl] = await Promise.all([api("GET", "/v1/ops/status"), api("GET", "/v1/ops/dead-letters?limit=100")]);
    if (stopped) return;
    view.replaceChildren(
      h("h1", {}, t("nav_ops")),
      h("p", { class: "muted" }, t("ops.refreshed", { when: new Date().toLocaleTimeString() })),
      h("div", { class: "grid" }, FACTS.map((k) => h("div", { class: "fact", "data-fact": k }, h("b", {}, String(s[k])), t(`ops.${k}`)))),
      h("h2", {}, t("ops.queues")), queues(s.queues),
      h("h2", {}, t("ops.by_status")), h("p", {}, Object.entries(s.complaints_by_status).map(([k, n]) => `${t(`status.${k}`)} ${n}`).join(" · ") || "—"),
      h("h2", {}, t("ops.dead_letters")), letters(dl.items, refresh));
  }
  const tick = async () => { try { await refresh(); } catch (err) { showError(err); } if (!stopped) timer = setTimeout(tick, REFRESH_MS); };
  await tick();
  return () => { stopped = true; clearTimeout(timer); };
}
