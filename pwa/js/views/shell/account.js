// 我的账号: who I am, change my password, my API tokens, language, sign out.
import { api } from "../../api.js";
import { addMessages, getLanguage, localTime, setLanguage, t } from "../../i18n.js";
import { unsentCount } from "../../offline/forget.js";
import { scopeName, session, setMe, signOut } from "../../state.js";
import {
  badge, button, clear, confirmDialog, emptyState, errorBlock, field, h, heading, loading, navigate, onSubmit,
  showErrors, toast,
} from "../../ui.js";

addMessages({
  zh: {
    "account.unsentOnLogout": "本机还有 {n} 条记录（走访、清单、堵点及其照片）尚未发送。退出登录会把它们从本机删除，"
      + "且无法恢复。请先联网，到“同步”页点“立即同步”。仍要删除并退出吗？",
    "account.logoutAnyway": "删除并退出",
  },
  en: {
    "account.unsentOnLogout": "{n} record(s) on this phone (visits, checklists, blockers and their photos) have not "
      + "been sent. Signing out deletes them from this phone for good. Go online and use Sync now first. "
      + "Delete them and sign out?",
    "account.logoutAnyway": "Delete and sign out",
  },
});

export default {
  path: "/account",
  title: "account.title",
  roles: null,
  menu: true,
  tab: 9,
  async render(container) {
    const me = session.me;
    container.append(
      ...heading(t("account.title")),
      h("dl", { class: "facts card" },
        h("dt", {}, t("account.name")), h("dd", {}, me.display_name),
        h("dt", {}, t("account.username")), h("dd", {}, me.username),
        h("dt", {}, t("account.role")), h("dd", {}, t(`role.${me.role}`)),
        h("dt", {}, t("account.scope")), h("dd", {}, scopeName(me))),
    );

    // Language
    const languages = h("div", { class: "segmented", role: "group", "aria-label": t("account.language") },
      ...[["zh", "中文"], ["en", "English"]].map(([code, label]) => h("button", {
        type: "button", class: "btn", lang: code === "zh" ? "zh-CN" : "en",
        "aria-pressed": String(getLanguage() === code), onclick: () => setLanguage(code),
      }, label)));
    container.append(h("section", { class: "section" }, h("h3", {}, t("account.language")), languages));

    // Password
    const oldPassword = field({ name: "old_password", label: t("account.oldPassword"), type: "password", required: true,
      autocomplete: "current-password" });
    const newPassword = field({ name: "new_password", label: t("account.newPassword"), type: "password", required: true,
      autocomplete: "new-password", minlength: 10, hint: t("users.passwordHint") });
    const repeat = field({ name: "repeat_password", label: t("account.repeatPassword"), type: "password", required: true,
      autocomplete: "new-password" });
    const passwordForm = h("form", { class: "form", id: "password-form" }, oldPassword, newPassword, repeat,
      h("button", { type: "submit", class: "btn primary block" }, t("account.changePassword")));
    onSubmit(passwordForm, async (values, form) => {
      if (values.new_password !== values.repeat_password) {
        showErrors(form, { message: t("form.fix"), fields: { repeat_password: t("account.mismatch") } });
        return;
      }
      await api.post("/auth/password", { old_password: values.old_password, new_password: values.new_password });
      // The server starts a fresh session (other devices are signed out): fetch its new CSRF token.
      setMe(await api.get("/me"));
      form.reset(); // only after success: a failed attempt keeps what was typed
      toast(t("account.passwordChanged"));
    });
    container.append(h("section", { class: "section" }, h("h3", {}, t("account.changePassword")),
      h("p", { class: "hint" }, t("account.passwordNote")), passwordForm));

    // Tokens
    const tokens = h("div", { class: "tokens" }, loading());
    container.append(h("section", { class: "section" }, h("h3", {}, t("account.tokens")),
      h("p", { class: "hint" }, t("account.tokensIntro")), tokens));
    const loadTokens = async () => {
      clear(tokens).append(loading());
      try {
        const { items } = await api.get("/auth/tokens");
        clear(tokens);
        if (!items.length) {
          tokens.append(emptyState(t("account.noTokens")));
          return;
        }
        tokens.append(h("ul", { class: "cards" }, items.map((token) => h("li", {},
          h("div", { class: `card${token.revoked_at ? " inactive" : ""}` },
            h("div", { class: "card-head" }, h("strong", { class: "card-title" }, token.name),
              token.revoked_at ? badge(t("account.revoked"), "muted") : badge(t("common.active"), "ok")),
            h("p", { class: "card-line muted" }, t("account.tokenCreated", { when: localTime(token.created_at) || "—" })),
            h("p", { class: "card-line muted" }, t("account.tokenUsed", { when: localTime(token.last_used_at) || "—" })),
            token.revoked_at ? null : h("div", { class: "card-actions" }, button(t("account.revoke"), {
              class: "btn small danger",
              "aria-label": `${t("account.revoke")} ${token.name}`,
              onclick: async () => {
                if (!(await confirmDialog(t("account.confirmRevoke", { name: token.name }), { danger: true, ok: t("account.revoke") }))) return;
                try {
                  await api.del(`/auth/tokens/${token.id}`);
                  toast(t("account.tokenRevoked"));
                } catch (error) {
                  toast(error.message);
                }
                loadTokens();
              },
            })))))));
      } catch (error) {
        clear(tokens).append(errorBlock(error, loadTokens));
      }
    };

    // Sign out
    container.append(h("section", { class: "section" },
      button(t("account.logout"), {
        class: "btn danger block", id: "logout-button",
        onclick: async () => {
          const unsent = await unsentCount();
          if (unsent && !(await confirmDialog(t("account.unsentOnLogout", { n: unsent }),
            { danger: true, ok: t("account.logoutAnyway") }))) return;
          try {
            await signOut();
          } catch {
            /* offline: this device forgets the user anyway */
          }
          navigate("#/login");
        },
      })));
    await loadTokens();
  },
};
