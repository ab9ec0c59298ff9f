// Development sign-in (local runs only): mints a party token for a demo person.
import { signIn } from "./api.js";
import { t } from "./i18n.js";
import { h, showError, flash } from "./ui.js";

async function mint(person) {
  const res = await fetch("/console/dev/token", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(person),
  });
  if (!res.ok) throw Object.assign(new Error(t("signin_unavailable")), { body: await res.json() });
  signIn((await res.json()).token);
}

export async function signInPage() {
  const view = document.getElementById("view");
  const as = new URLSearchParams(location.search).get("as");
  if (as) {  // a sign-in link: ?as=role:sub[:grant,grant]
    const [role, sub, grants] = as.split(":");
    await mint({ role, sub, grants: grants ? grants.split(",") : [] });
    location.replace(location.pathname + "#/"); return;
  }
  const res = await fetch("/console/dev/people");
  if (!res.ok) {
    view.replaceChildren(h("h1", {}, t("nav_signin")), h("p", {}, t("signin_production")));
    return;
  }
  const { people } = await res.json();
  const list = h("ul", {}, people.map((p) => h("li", {},
    h("button", { type: "button", onclick: async () => {
      try { await mint(p); flash(t("signed_in_as", { who: p.sub })); location.hash = "#/"; } catch (err) { showError(err); }
    } }, `${t(`role.${p.role}`)} ${p.sub}`),
    p.grants.length ? h("span", { class: "muted" }, ` (${p.grants.join(", ")})`) : null)));
  const form = h("form", { class: "card", onsubmit: async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    const grants = String(f.get("grants") || "").split(",").map((s) => s.trim()).filter(Boolean);
    try { await mint({ role: f.get("role"), sub: f.get("sub"), grants }); location.hash = "#/"; } catch (err) { showError(err); }
  } },
  h("label", {}, h("span", {}, t("f_role")), h("select", { name: "role" }, ["buyer", "merchant", "staff"].map((r) => h("option", { value: r }, t(`role.${r}`))))),
  h("label", {}, h("span", {}, t("f_id")), h("input", { name: "sub", required: true, pattern: "[A-Za-z0-9_.:\\-]{1,128}" })),
  h("label", {}, h("span", {}, t("f_grants")), h("input", { name: "grants", placeholder: "review,arbitrate,operate" })),
  h("button", { type: "submit" }, t("sign_in")));
  view.replaceChildren(h("h1", {}, t("signin_title")), h("p", {}, t("signin_local_only")), list, form);
}
