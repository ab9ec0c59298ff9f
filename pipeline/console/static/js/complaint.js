// One complaint: status, who must act by when, evidence, the timeline, and a form for each
// action the signed-in person may take now (the complaint view's allowed_actions).
import { api, me } from "./api.js";
import { t } from "./i18n.js";
import { uploadAll, REMEDIES, KINDS } from "./buyer.js";
import { cents, field, flash, h, money, newKey, select, showError, status, timeLeft, when } from "./ui.js";

const ACTOR = { buyer: "buyer", merchant: "merchant", staff: "platform" };
const REASONS = ["not_paid", "window_expired", "amount_exceeds_order", "same_party", "duplicate", "already_decided"];
// What each action's form asks for, beside the button: rules as data.
const FIELDS = {
  "merchant.accept": ["remedy"],
  "merchant.revise_offer": ["remedy"],
  "buyer.counter_offer": ["remedy"],
  "merchant.request_extension": ["hours", "text"],
  "platform.request_information": ["party", "text"],
  "buyer.provide_information": ["text"],
  "merchant.provide_information": ["text"],
  "buyer.ship_return": ["shipment"],
  "merchant.dispute_receipt": ["text", "evidence"],
  "merchant.dispute": ["text", "evidence"],
  "merchant.message": ["text"],
  "buyer.message": ["text"],
  "buyer.supply_evidence": ["evidence"],
  "platform.reject_review": ["reason"],
  "platform.decide": ["outcome", "rule"],
};
// A follow-up is a new complaint; settlements are the payment system's answers (an API client).
const HIDDEN = new Set(["buyer.file_followup", "platform.refund_settled", "platform.refund_failed"]);
// A second staff member approves a large decision only while one is proposed (four eyes).
const DECISION_STEPS = new Set(["platform.decision_proposed", "platform.decide", "platform.decide_no_remedy",
  "platform.approve_decision", "buyer.appeal"]);

function inputs(name, action) {
  switch (name) {
    case "remedy": return [field("f_remedy", select("remedy_type", REMEDIES, "remedy")),
      field("f_amount", h("input", { name: "amount", type: "number", min: "0", step: "0.01" }))];
    case "text": return [field("f_text", h("textarea", { name: "text", required: true, minlength: "2", maxlength: "2000" }))];
    case "evidence": return [field("f_evidence_kind", select("kind", KINDS, "kind")),
      field("f_evidence", h("input", { name: "files", type: "file", multiple: true, required: action === "buyer.supply_evidence" })),
      h("div", { class: "bars" })];
    case "reason": return [field("f_reason", select("reason", REASONS, "reason"))];
    case "outcome": return [field("f_decision", select("decision", ["buyer_wins", "partial", "merchant_wins"], "decision")),
      field("f_amount", h("input", { name: "amount", type: "number", min: "0", step: "0.01" }))];
    case "hours": return [field("f_hours", h("input", { name: "hours", type: "number", min: "1", max: "48", required: true }))];
    case "party": return [field("f_party", select("party", ["buyer", "merchant"], "party"))];
    case "shipment": return [field("f_carrier", h("input", { name: "carrier", required: true, maxlength: "64" })),
      field("f_tracking", h("input", { name: "tracking_number", required: true, pattern: "[A-Za-z0-9\\-]{4,64}" }))];
    case "rule": return [field("f_rule", h("input", { name: "rule", required: true, maxlength: "100", placeholder: "platform_rule_4_2" }))];
    default: return [];
  }
}

async function body(action, form, key) {
  const f = new FormData(form), out = { schema: "action.v1", action, idempotency_key: key };
  const needs = FIELDS[action] || [];
  if (f.get("text")) out.text = f.get("text");
  if (needs.includes("remedy")) {
    out.remedy = { type: f.get("remedy_type") };
    if (f.get("amount")) out.remedy.amount_cents = cents(f.get("amount"));
  }
  if (needs.includes("evidence") && form.elements.files.files.length) {
    out.evidence = await uploadAll(form.elements.files.files, f.get("kind"), form.querySelector(".bars"));
  }
  if (needs.includes("reason")) out.reason = f.get("reason");
  if (needs.includes("hours")) out.hours = parseInt(f.get("hours"), 10);
  if (needs.includes("party")) out.party = f.get("party");
  if (needs.includes("shipment")) out.shipment = { carrier: f.get("carrier"), tracking_number: f.get("tracking_number") };
  if (needs.includes("outcome")) {
    out.outcome = { decision: f.get("decision") };
    if (f.get("decision") !== "merchant_wins") out.outcome.amount_cents = cents(f.get("amount") || "0");
    out.rule = f.get("rule");
  }
  return out;
}

function actionForm(id, action) {
  const key = newKey();
  return h("form", { class: "card", "data-action": action, onsubmit: async (e) => {
    e.preventDefault();
    const button = e.target.querySelector("button"); button.disabled = true;
    try {
      await api("POST", `/v1/complaints/${id}/actions`, await body(action, e.target, key));
      await complaintPage([null, id]);
      flash(t("done", { what: t(`action.${action}`) }));  // once the page shows what it did
    } catch (err) { showError(err); button.disabled = false; }
  } }, ...(FIELDS[action] || []).flatMap((name) => inputs(name, action)), h("button", { type: "submit" }, t(`action.${action}`)));
}

function evidenceList(c) {
  return h("table", {}, h("tr", {}, ["col_kind", "col_by", "col_verdict", ""].map((k) => h("th", { scope: "col" }, k ? t(k) : ""))),
    c.evidence.map((e, i) => {
      const out = h("td", {});
      const view = e.verdict === "ok" ? h("button", { type: "button", onclick: async () => {
        try {
          const link = await api("GET", `/v1/evidence/${c.id}/${i}`);
          out.replaceChildren(h("a", { href: link.url, target: "_blank", rel: "noopener" }, link.filename),
            link.content_type.startsWith("image/") ? h("img", { class: "evidence", src: link.url, alt: link.filename }) : null);
        } catch (err) { showError(err); }
      } }, t("view_evidence")) : null;
      out.append(view || "");
      return h("tr", {}, h("td", {}, t(`kind.${e.kind}`)), h("td", {}, t(`party.${e.submitted_by}`)),
        h("td", {}, e.verdict ? t(`verdict.${e.verdict}`) : t("verdict.pending")), out);
    }));
}

function claimButtons(c, who) {
  if (who.role !== "staff") return null;
  const mine = c.claim && c.claim.holder === who.sub;
  const act = (verb) => async () => {
    try { await api("POST", `/v1/complaints/${c.id}/${verb}`); flash(t(`${verb}ed`)); await complaintPage([null, c.id]); } catch (err) { showError(err); }
  };
  if (mine) return h("button", { type: "button", onclick: act("release") }, t("release"));
  if (!c.claim && (c.status === "in_arbitration" || c.stage === "manual_review")) return h("button", { type: "button", onclick: act("claim") }, t("claim"));
  return null;
}

// What an event says beyond its name: a return's parcel, the hours asked for, the words.
function detail(d) {
  const said = [];
  if (d.tracking_number) said.push(t("timeline_parcel", { carrier: d.carrier, tracking: d.tracking_number }));
  if (d.hours) said.push(t("timeline_hours", { hours: d.hours }));
  if (d.text) said.push(d.text);
  return said.length ? ` — ${said.join(" · ")}` : "";
}

export async function complaintPage(m) {
  const id = m[1], who = me(), view = document.getElementById("view");
  const [c, events] = await Promise.all([api("GET", `/v1/complaints/${id}`), api("GET", `/v1/complaints/${id}/events?limit=500`)]);
  const steps = events.events.filter((e) => DECISION_STEPS.has(e.event));
  const proposed = steps.length && steps[steps.length - 1].event === "platform.decision_proposed";
  const allowed = (c.allowed_actions[ACTOR[who.role]] || [])
    .filter((a) => !HIDDEN.has(a) && (a !== "platform.approve_decision" || proposed));
  view.replaceChildren(...[
    h("h1", {}, c.title),
    h("p", {}, status(c.status), " ", t(`cat.${c.category}`), c.escalation_level ? ` · ${t("level")} ${c.escalation_level}` : ""),
    h("p", {}, c.description),
    h("section", { "aria-labelledby": "who-acts" }, h("h2", { id: "who-acts" }, t("who_acts")),
      c.clocks.length ? h("ul", {}, c.clocks.map((k) => h("li", {}, `${t(`party.${k.party}`)} · ${t("due")} ${when(k.due_at)} · `,
        timeLeft(k.remaining_seconds), k.paused ? ` (${t("paused")})` : ""))) : h("p", { class: "muted" }, t("nobody_now")),
      c.claim ? h("p", {}, t("claimed_by", { who: c.claim.holder })) : null, claimButtons(c, who)),
    c.remedy ? h("p", {}, `${t("remedy")}: ${t(`remedy.${c.remedy.type}`)} ${money(c.remedy.amount_cents)}`) : null,
    c.outcome ? h("p", {}, `${t("outcome")}: ${t(`decision.${c.outcome.decision}`)} ${money(c.outcome.amount_cents)}`,
      c.outcome.remedy_type ? ` (${t(`remedy.${c.outcome.remedy_type}`)})` : "") : null,
    c.case_id && who.role === "staff" ? h("p", {}, h("a", { href: `#/staff/cases/${c.case_id}` }, t("part_of_case"))) : null,
    h("section", {}, h("h2", {}, t("evidence")), evidenceList(c)),
    h("section", {}, h("h2", {}, t("actions")), allowed.length ? allowed.map((a) => actionForm(id, a)) : h("p", { class: "muted" }, t("no_actions"))),
    h("section", {}, h("h2", {}, t("timeline")), h("ol", { class: "timeline" }, events.events.map((e) =>
      h("li", {}, `${when(e.created_at)} · ${t(`party.${e.actor_role}`)} · ${t(`event.${e.event}`, {}, e.event)}`,
        detail(e.data || {}))))),
  ].filter(Boolean));
}
