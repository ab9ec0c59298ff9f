// The console's router: hash routes, one page module per kind of person.
import { me, signIn, signOut } from "./api.js";
import { lang, setLang, t, translateStatic } from "./i18n.js";
import { h, flash } from "./ui.js";
import { buyerList, fileForm } from "./buyer.js";
import { complaintPage } from "./complaint.js";
import { inbox, scorecard } from "./merchant.js";
import { queuePage } from "./staff.js";
import { casePage, casesPage } from "./cases.js";
import { supervisionPage } from "./supervision.js";
import { opsPage } from "./ops.js";
import { signInPage } from "./signin.js";

const ROUTES = [
  [/^#\/signin$/, signInPage],
  [/^#\/buyer$/, buyerList],
  [/^#\/buyer\/new$/, fileForm],
  [/^#\/merchant$/, inbox],
  [/^#\/merchant\/scorecard$/, scorecard],
  [/^#\/staff\/(manual_review|arbitration)$/, queuePage],
  [/^#\/staff\/cases$/, casesPage],
  [/^#\/staff\/cases\/([0-9a-f-]{36})$/, casePage],
  [/^#\/staff\/supervision$/, supervisionPage],
  [/^#\/ops$/, opsPage],
  [/^#\/c\/([0-9a-f-]{36})$/, complaintPage],
];

const HOME = { buyer: "#/buyer", merchant: "#/merchant" };

function home(who) {
  if (!who) return "#/signin";
  if (HOME[who.role]) return HOME[who.role];
  if (who.grants.includes("arbitrate")) return "#/staff/arbitration";
  if (who.grants.includes("review")) return "#/staff/manual_review";
  if (who.grants.includes("supervise")) return "#/staff/supervision";
  return who.grants.includes("operate") ? "#/ops" : "#/signin";
}

function navLinks(who) {
  if (!who) return [["#/signin", "nav_signin"]];
  const links = {
    buyer: [["#/buyer", "nav_my_complaints"], ["#/buyer/new", "nav_file"]],
    merchant: [["#/merchant", "nav_inbox"], ["#/merchant/scorecard", "nav_scorecard"]],
  }[who.role] || [];
  if (who.grants.includes("review")) links.push(["#/staff/manual_review", "nav_manual_review"]);
  if (who.grants.includes("arbitrate")) links.push(["#/staff/arbitration", "nav_arbitration"], ["#/staff/cases", "nav_cases"]);
  if (who.grants.includes("supervise")) links.push(["#/staff/supervision", "nav_supervision"]);
  if (who.grants.includes("operate")) links.push(["#/ops", "nav_ops"]);
  return links;
}

let stopPage = null;

async function render() {
  if (stopPage) { stopPage(); stopPage = null; }
  const who = me();
  const hash = new URLSearchParams(location.search).has("as") ? "#/signin" : location.hash || "";
  if (hash === "" || hash === "#/" || (!who && !hash.startsWith("#/signin"))) {
    location.replace(home(who)); return;
  }
  translateStatic();
  document.getElementById("nav").replaceChildren(
    ...navLinks(who).map(([href, key]) => h("a", { href, "aria-current": href === hash ? "page" : null }, t(key))));
  document.getElementById("who").textContent = who ? `${t(`role.${who.role}`)} ${who.sub}` : "";
  document.getElementById("signout").hidden = !who;
  const view = document.getElementById("view");
  for (const [pattern, page] of ROUTES) {
    const m = hash.match(pattern);
    if (m) {
      view.replaceChildren(h("p", { class: "muted" }, t("loading")));
      try { stopPage = (await page(m, view)) || null; } catch (err) {
        const title = err.body && err.body.title;
        view.replaceChildren(h("h1", {}, title || t("error")), h("p", { class: "error" }, String(err.message || err)));
      }
      return;
    }
  }
  view.replaceChildren(h("h1", {}, t("not_found")));
}

// The marketplace's login hands a token over as /console/#access_token=<jwt> (kept in this
// tab's sessionStorage; the fragment never reaches a server log).
if (location.hash.startsWith("#access_token=")) {
  signIn(decodeURIComponent(location.hash.slice("#access_token=".length).split("&")[0]));
  history.replaceState(null, "", `${location.pathname}#/`);
}

// The skip link moves focus to the page without touching the route in the hash.
document.querySelector(".skip").addEventListener("click", (e) => {
  e.preventDefault();
  document.getElementById("view").focus();
});
document.getElementById("lang").addEventListener("click", () => {
  setLang(lang() === "zh-CN" ? "en" : "zh-CN");
  document.getElementById("flash").replaceChildren();  // said in the other language
  render();
});
document.getElementById("signout").addEventListener("click", () => {
  signOut(); flash(t("signed_out")); location.hash = "#/signin";
});
window.addEventListener("hashchange", async () => {
  document.getElementById("flash").replaceChildren();
  await render();
  document.getElementById("view").focus({ preventScroll: true });  // keyboard users start at the page
});
render();
