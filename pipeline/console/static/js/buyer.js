// Buyer pages: my complaints (who must act by when), and filing one with evidence.
import { api, me, upload } from "./api.js";
import { CATEGORIES } from "./categories.js";
import { t } from "./i18n.js";
import { cents, complaintTable, field, flash, h, newKey, select, showError } from "./ui.js";

export const REMEDIES = ["refund", "return_and_refund", "exchange", "repair", "reship", "compensation"];
export const KINDS = ["photo", "video", "chat_log", "transaction_record", "inspection_report", "service_record"];

export async function buyerList(_, view) {
  const page = await api("GET", `/v1/complaints?buyer_id=${encodeURIComponent(me().sub)}&limit=100`);
  view.replaceChildren(
    h("h1", {}, t("nav_my_complaints")),
    h("p", {}, h("a", { href: "#/buyer/new" }, t("nav_file"))),
    complaintTable(page.items, ["col_title", "col_status", "col_category", "col_waiting_on", "col_due", "col_left"]));
}

function localToRfc3339(value) { return value ? new Date(value).toISOString() : null; }

export async function fileForm(_, view) {
  const draft = { id: newKey().replace(/-/g, ""), sentAt: null };
  const bars = h("div", { id: "uploads" });
  const form = h("form", { class: "card", onsubmit: (e) => submit(e, draft, bars) },
    field("f_merchant", h("input", { name: "merchant_id", required: true, pattern: "[A-Za-z0-9_.:\\-]{1,128}" })),
    field("f_order", h("input", { name: "order_id", required: true, pattern: "[A-Za-z0-9_.:\\-]{1,128}" })),
    field("f_order_amount", h("input", { name: "amount", type: "number", min: "0", step: "0.01", required: true })),
    field("f_paid_at", h("input", { name: "paid_at", type: "datetime-local", required: true })),
    field("f_delivered_at", h("input", { name: "delivered_at", type: "datetime-local" })),
    field("f_category", select("category", CATEGORIES, "cat")),
    field("f_title", h("input", { name: "title", required: true, maxlength: "200", size: "50" })),
    field("f_description", h("textarea", { name: "description", required: true, maxlength: "5000" })),
    field("f_remedy", select("requested_remedy", REMEDIES, "remedy")),
    field("f_claimed", h("input", { name: "claimed", type: "number", min: "0", step: "0.01", required: true })),
    field("f_evidence_kind", select("kind", KINDS, "kind")),
    field("f_evidence", h("input", { name: "files", type: "file", multiple: true, accept: "image/*,video/*,.pdf,.txt,.json" })),
    bars,
    h("button", { type: "submit" }, t("submit_complaint")));
  view.replaceChildren(h("h1", {}, t("nav_file")), form);
}

export async function uploadAll(files, kind, bars) {
  const items = [];
  for (const file of files) {
    const bar = h("progress", { max: "1", value: "0", "aria-label": file.name });
    bars.append(h("p", {}, `${file.name} `, bar));
    items.push(await upload(file, kind, (share) => { bar.value = share; }));
  }
  return items;
}

async function submit(e, draft, bars) {
  e.preventDefault();
  const form = e.target, f = new FormData(form);
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    if (!draft.evidence) {  // a retry sends the same complaint again: a replay, not a second one
      bars.replaceChildren();
      draft.evidence = await uploadAll(form.elements.files.files, f.get("kind"), bars);
    }
    const evidence = draft.evidence;
    draft.sentAt = draft.sentAt || new Date().toISOString();
    const accepted = await api("POST", "/v1/my/complaints", {
      draft_id: draft.id,
      submitted_at: draft.sentAt,
      merchant_id: f.get("merchant_id"),
      order: {
        order_id: f.get("order_id"), amount_cents: cents(f.get("amount")), currency: "CNY",
        paid_at: localToRfc3339(f.get("paid_at")), delivered_at: localToRfc3339(f.get("delivered_at")),
      },
      category: f.get("category"),
      title: f.get("title"),
      description: f.get("description"),
      requested_remedy: f.get("requested_remedy"),
      claimed_amount_cents: cents(f.get("claimed")),
      evidence,
    });
    flash(t("filed"));
    location.hash = `#/c/${accepted.id}`;
  } catch (err) {
    showError(err);
    button.disabled = false;
  }
}
