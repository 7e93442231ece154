// Sign in with username and password; the server's refusals (wrong password, too many tries)
// are shown as they come, in Chinese.
import { api } from "../../api.js";
import { t } from "../../i18n.js";
import { signedIn } from "../../state.js";
import { field, h, navigate, onSubmit } from "../../ui.js";

function safeNext(query) {
  const next = query.get("next") || "";
  return /^#\/[^#]*$/.test(next) && !next.startsWith("#/login") ? next : "#/";
}

export default {
  path: "/login",
  title: "login.title",
  roles: null,
  public: true,
  render(container, params) {
    const username = field({ name: "username", label: t("login.username"), required: true, autocomplete: "username",
      enterkeyhint: "next" });
    username.control.setAttribute("autocapitalize", "none");
    username.control.setAttribute("spellcheck", "false");
    const password = field({ name: "password", label: t("login.password"), type: "password", required: true,
      autocomplete: "current-password", enterkeyhint: "go" });
    const form = h("form", { class: "form login-form", id: "login-form" },
      username,
      password,
      h("button", { type: "submit", class: "btn primary block" }, t("login.submit")));
    onSubmit(form, async (values) => {
      const me = await api.post("/auth/login", { username: values.username, password: values.password },
        { noAuthRedirect: true });
      await signedIn(me);
      navigate(safeNext(params.query));
    });
    container.classList.add("login-view");
    container.append(
      h("div", { class: "brand" },
        h("img", { class: "brand-mark", src: "/app/icons/icon-192.png", alt: "", width: 72, height: 72 }),
        h("h2", { class: "view-title brand-name", tabindex: "-1" }, t("app.short")),
        h("p", { class: "brand-sub" }, t("app.subtitle"))),
      form,
      h("p", { class: "hint center" }, t("login.help")),
    );
    username.control.focus();
  },
};
