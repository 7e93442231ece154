// Every string the user reads goes through t(key). Simplified Chinese first; English on request.
// Screens added later can bring their own strings with addMessages({zh: {...}, en: {...}}).

const STORAGE_KEY = "jiandu.lang";
const LANGUAGES = ["zh", "en"];

const messages = {
  zh: {
    "app.name": "监督 · 营商环境智慧监督平台",
    "app.short": "监督",
    "app.subtitle": "营商环境智慧监督平台",
    "lang.toggle": "EN",
    "lang.toggleLabel": "Switch to English",

    "nav.home": "返回首页",
    "nav.menu": "菜单",
    "nav.skip": "跳到正文",

    "common.loading": "正在加载…",
    "common.retry": "重试",
    "common.ok": "确定",
    "common.cancel": "取消",
    "common.close": "关闭",
    "common.save": "保存",
    "common.back": "返回",
    "common.filter": "筛选",
    "common.search": "搜索",
    "common.all": "全部",
    "common.none": "（无）",
    "common.choose": "请选择",
    "common.state": "状态",
    "common.active": "在用",
    "common.inactive": "已停用",

    "form.required": "此项为必填",
    "form.fix": "请检查标注的字段",

    "error.generic": "操作未完成，请稍后再试",
    "error.network": "无法连接服务器，请检查网络后重试",
    "error.offline": "当前处于离线状态，联网后再试",
    "error.unknown": "请求失败（{status}）",
    "error.notFoundTitle": "页面不存在",
    "error.notFound": "找不到这个页面，可能链接有误。",
    "error.forbiddenTitle": "没有权限",
    "error.forbidden": "您的角色无权使用这个页面。",

    "offline.banner": "当前离线：已保存的页面仍可查看，提交需联网",
    "update.available": "有新版本，点击刷新",

    "pager.label": "翻页",
    "pager.prev": "上一页",
    "pager.next": "下一页",
    "pager.status": "第 {page} / {pages} 页，共 {total} 条",
    "pager.total": "共 {total} 条",

    "role.admin": "管理员",
    "role.inspector": "监督员",
    "role.handler": "部门经办人",
    "role.enterprise": "企业用户",

    "level.city": "市",
    "level.county": "旗县区",
    "level.town": "苏木乡镇/街道",

    "unitKind.commission": "纪委监委",
    "unitKind.group": "派驻纪检监察组",
    "unitKind.department": "职能部门",
    "unitKind.hall": "政务服务大厅",

    "pointType.window": "窗口",
    "pointType.hall": "大厅",
    "pointType.party_centre": "党群服务中心",
    "pointType.convenience_station": "便民服务站",
    "pointType.law_enforcement": "执法单位",
    "pointType.grassroots_station": "基层站所",
    "pointType.website": "网站",
    "pointType.project": "重大项目",

    "login.title": "登录",
    "login.username": "用户名",
    "login.password": "密码",
    "login.submit": "登录",
    "login.help": "忘记密码请联系本单位管理员重置。",

    "home.title": "首页",
    "home.hello": "{name}，您好",
    "home.scope": "负责范围：",
    "home.points": "窗口、大厅等监督点位，新建、编辑、导入",
    "home.halls": "政务服务大厅及窗口数量",
    "home.jurisdictions": "市、旗县区、苏木乡镇/街道",
    "home.units": "纪委监委、派驻组、职能部门、大厅",
    "home.users": "账号、角色与负责范围",
    "home.account": "修改密码、访问令牌、退出登录",
    "home.intro.inspector": "监督任务、走访和案件功能即将在这里上线。",
    "home.intro.handler": "转办给本部门的事项将在这里列出。",
    "home.intro.enterprise": "项目堵点反映和办理进度将在这里查看。",
    "home.intro.admin": "",

    "points.title": "点位管理",
    "points.new": "新建点位",
    "points.edit": "编辑点位",
    "points.import": "导入点位",
    "points.search": "搜索",
    "points.searchPlaceholder": "名称、窗口号或编码",
    "points.allTypes": "全部类型",
    "points.allHalls": "全部大厅",
    "points.allStates": "全部状态",
    "points.empty": "没有符合条件的点位",
    "points.created": "已新建点位“{name}”（编码 {code}）",
    "points.saved": "已保存“{name}”",
    "points.deactivate": "停用点位",
    "points.activate": "重新启用",
    "points.confirmDeactivate": "确定停用“{name}”吗？停用后群众扫码将无法提交，历史记录保留。",
    "points.confirmActivate": "确定重新启用“{name}”吗？",
    "points.deactivated": "已停用“{name}”",
    "points.activated": "已启用“{name}”",

    "point.type": "类型",
    "point.name": "名称",
    "point.number": "编号",
    "point.windowNumber": "窗口号",
    "point.numberHint": "窗口须填写窗口号，同一大厅内不可重复",
    "point.hall": "所属大厅",
    "point.department": "进驻部门",
    "point.jurisdiction": "所属辖区",
    "point.jurisdictionFromHall": "随所属大厅",
    "point.jurisdictionHint": "选择了大厅时可不填",
    "point.project": "关联重大项目",
    "point.address": "地址",
    "point.code": "监督码",
    "point.url": "扫码地址",

    "import.file": "文件（.xlsx 或 .csv）",
    "import.hint": "第一行为表头；最多 5000 行、5 MB",
    "import.intro": "整表校验：任何一行有误则全部不导入，并列出每行的错误。",
    "import.columns": "表头可用的列（类型、名称必填）：",
    "import.sample": "类型, 名称, 窗口号, 大厅, 部门, 辖区, 地址",
    "import.submit": "上传并导入",
    "import.done": "已导入 {count} 个点位",
    "import.row": "第 {row} 行：{message}",

    "halls.title": "政务服务大厅",
    "halls.intro": "点击大厅查看其窗口",
    "halls.empty": "还没有大厅",
    "halls.windows": "{count} 个在用窗口",

    "jurisdictions.title": "辖区",
    "jurisdictions.intro": "市 → 旗县区 → 苏木乡镇/街道",
    "jurisdictions.empty": "还没有辖区",
    "jurisdictions.new": "新建下级辖区",
    "jurisdictions.newChild": "新建下级",
    "jurisdictions.newChildOf": "在“{name}”下新建辖区",
    "jurisdictions.parent": "上级辖区",
    "jurisdictions.name": "名称",
    "jurisdictions.divisionCode": "行政区划代码",
    "jurisdictions.divisionCodeHint": "选填，6–12 位数字",
    "jurisdictions.created": "已新建辖区“{name}”",

    "units.title": "单位",
    "units.new": "新建单位",
    "units.search": "单位名称",
    "units.searchPlaceholder": "单位名称",
    "units.allKinds": "全部类型",
    "units.kind": "单位类型",
    "units.name": "单位名称",
    "units.jurisdiction": "所属辖区",
    "units.address": "地址",
    "units.empty": "没有符合条件的单位",
    "units.supervisedDepartments": "监督的部门（派驻纪检监察组）",
    "units.supervises": "监督：{names}",
    "units.created": "已新建单位“{name}”",

    "users.title": "用户",
    "users.new": "新建用户",
    "users.search": "用户名或姓名",
    "users.allRoles": "全部角色",
    "users.role": "角色",
    "users.username": "用户名",
    "users.usernameHint": "小写字母、数字、点、下划线或连字符",
    "users.displayName": "姓名",
    "users.password": "初始密码",
    "users.passwordHint": "至少 10 位",
    "users.unit": "所属单位",
    "users.project": "所属项目",
    "users.jurisdiction": "负责辖区",
    "users.jurisdictionHint": "选择了单位时以单位所在辖区为准",
    "users.empty": "没有符合条件的用户",
    "users.lastLogin": "最近登录：{when}",
    "users.neverLoggedIn": "从未登录",
    "users.deactivate": "停用",
    "users.activate": "启用",
    "users.confirmDeactivate": "确定停用“{name}”的账号吗？该账号将立即退出所有设备，访问令牌全部作废。",
    "users.confirmActivate": "确定重新启用“{name}”的账号吗？",
    "users.deactivated": "已停用“{name}”",
    "users.activated": "已启用“{name}”",
    "users.created": "已新建用户“{name}”",

    "account.title": "我的账号",
    "account.name": "姓名",
    "account.username": "用户名",
    "account.role": "角色",
    "account.scope": "负责范围",
    "account.language": "语言",
    "account.changePassword": "修改密码",
    "account.passwordNote": "修改后，其他设备上的登录将失效。",
    "account.oldPassword": "原密码",
    "account.newPassword": "新密码",
    "account.repeatPassword": "再次输入新密码",
    "account.mismatch": "两次输入的新密码不一致",
    "account.passwordChanged": "密码已修改",
    "account.tokens": "访问令牌",
    "account.tokensIntro": "供其他系统对接使用；不再需要的请及时撤销。",
    "account.noTokens": "没有访问令牌",
    "account.tokenCreated": "创建于 {when}",
    "account.tokenUsed": "最近使用 {when}",
    "account.revoke": "撤销",
    "account.revoked": "已撤销",
    "account.confirmRevoke": "确定撤销令牌“{name}”吗？使用它的系统将无法再访问。",
    "account.tokenRevoked": "令牌已撤销",
    "account.logout": "退出登录",
  },
  en: {
    "app.name": "Jiandu · Business-environment smart supervision platform",
    "app.short": "Jiandu",
    "app.subtitle": "Business-environment smart supervision platform",
    "lang.toggle": "中文",
    "lang.toggleLabel": "切换到中文",

    "nav.home": "Back to home",
    "nav.menu": "Menu",
    "nav.skip": "Skip to content",

    "common.loading": "Loading…",
    "common.retry": "Retry",
    "common.ok": "OK",
    "common.cancel": "Cancel",
    "common.close": "Close",
    "common.save": "Save",
    "common.back": "Back",
    "common.filter": "Filter",
    "common.search": "Search",
    "common.all": "All",
    "common.none": "(none)",
    "common.choose": "Choose…",
    "common.state": "State",
    "common.active": "Active",
    "common.inactive": "Inactive",

    "form.required": "Required",
    "form.fix": "Please check the marked fields",

    "error.generic": "That did not work; please try again later",
    "error.network": "Cannot reach the server; check the network and try again",
    "error.offline": "You are offline; try again when connected",
    "error.unknown": "Request failed ({status})",
    "error.notFoundTitle": "Page not found",
    "error.notFound": "There is no such page; the link may be wrong.",
    "error.forbiddenTitle": "Not allowed",
    "error.forbidden": "Your role cannot use this page.",
    "error.code.bad_credentials": "Wrong username or password",
    "error.code.csrf": "The page has expired; reload and try again",
    "error.status.403": "You are not allowed to do this",
    "error.status.422": "Please check the marked fields",
    "error.status.429": "Too many attempts; please wait a while and try again",
    "error.status.500": "Server error; please try again later",
    "error.status.503": "Service unavailable; please try again later",

    "offline.banner": "Offline: saved pages can be viewed; sending needs a connection",
    "update.available": "A new version is ready: tap to reload",

    "pager.label": "Pages",
    "pager.prev": "Previous",
    "pager.next": "Next",
    "pager.status": "Page {page} of {pages}, {total} in all",
    "pager.total": "{total} in all",

    "role.admin": "Administrator",
    "role.inspector": "Inspector",
    "role.handler": "Department handler",
    "role.enterprise": "Enterprise",

    "level.city": "City",
    "level.county": "Banner/county/district",
    "level.town": "Sumu/township/street",

    "unitKind.commission": "Discipline Inspection & Supervision Commission",
    "unitKind.group": "Resident discipline-inspection group",
    "unitKind.department": "Department",
    "unitKind.hall": "Government service hall",

    "pointType.window": "Service window",
    "pointType.hall": "Hall",
    "pointType.party_centre": "Party-and-public service centre",
    "pointType.convenience_station": "Community service station",
    "pointType.law_enforcement": "Law-enforcement unit",
    "pointType.grassroots_station": "Grassroots station",
    "pointType.website": "Website",
    "pointType.project": "Major project",

    "login.title": "Sign in",
    "login.username": "Username",
    "login.password": "Password",
    "login.submit": "Sign in",
    "login.help": "Forgot your password? Ask your unit's administrator to reset it.",

    "home.title": "Home",
    "home.hello": "Hello, {name}",
    "home.scope": "Responsible for:",
    "home.points": "Windows, halls and other points: create, edit, import",
    "home.halls": "Government service halls and their windows",
    "home.jurisdictions": "City, banners/counties/districts, towns/streets",
    "home.units": "Commissions, resident groups, departments, halls",
    "home.users": "Accounts, roles and scopes",
    "home.account": "Password, API tokens, sign out",
    "home.intro.inspector": "Supervision tasks, visits and cases will appear here.",
    "home.intro.handler": "Matters referred to your department will be listed here.",
    "home.intro.enterprise": "Blockers you report for your project and their progress will appear here.",
    "home.intro.admin": "",

    "points.title": "Points",
    "points.new": "New point",
    "points.edit": "Edit point",
    "points.import": "Import points",
    "points.search": "Search",
    "points.searchPlaceholder": "Name, window number or code",
    "points.allTypes": "All types",
    "points.allHalls": "All halls",
    "points.allStates": "Any state",
    "points.empty": "No points match",
    "points.created": "Created “{name}” (code {code})",
    "points.saved": "Saved “{name}”",
    "points.deactivate": "Deactivate point",
    "points.activate": "Reactivate",
    "points.confirmDeactivate": "Deactivate “{name}”? Scans will no longer be accepted; its history is kept.",
    "points.confirmActivate": "Reactivate “{name}”?",
    "points.deactivated": "Deactivated “{name}”",
    "points.activated": "Reactivated “{name}”",

    "point.type": "Type",
    "point.name": "Name",
    "point.number": "Number",
    "point.windowNumber": "Window number",
    "point.numberHint": "Windows need a number, unique within the hall",
    "point.hall": "Hall",
    "point.department": "Department",
    "point.jurisdiction": "Jurisdiction",
    "point.jurisdictionFromHall": "Same as the hall",
    "point.jurisdictionHint": "May be left empty when a hall is chosen",
    "point.project": "Major project",
    "point.address": "Address",
    "point.code": "Supervision code",
    "point.url": "Scan address",

    "import.file": "File (.xlsx or .csv)",
    "import.hint": "First row is the header; at most 5000 rows, 5 MB",
    "import.intro": "The whole file is checked: if any row is wrong, nothing is imported and each error is listed.",
    "import.columns": "Columns the header may use (type and name are required):",
    "import.sample": "type, name, number, hall, department, jurisdiction, address",
    "import.submit": "Upload and import",
    "import.done": "Imported {count} points",
    "import.row": "Row {row}: {message}",

    "halls.title": "Service halls",
    "halls.intro": "Tap a hall to see its windows",
    "halls.empty": "No halls yet",
    "halls.windows": "{count} active windows",

    "jurisdictions.title": "Jurisdictions",
    "jurisdictions.intro": "City → banner/county/district → sumu/town/street",
    "jurisdictions.empty": "No jurisdictions yet",
    "jurisdictions.new": "New jurisdiction",
    "jurisdictions.newChild": "Add below",
    "jurisdictions.newChildOf": "New jurisdiction under “{name}”",
    "jurisdictions.parent": "Parent",
    "jurisdictions.name": "Name",
    "jurisdictions.divisionCode": "Administrative division code",
    "jurisdictions.divisionCodeHint": "Optional, 6–12 digits",
    "jurisdictions.created": "Created “{name}”",

    "units.title": "Units",
    "units.new": "New unit",
    "units.search": "Unit name",
    "units.searchPlaceholder": "Unit name",
    "units.allKinds": "All kinds",
    "units.kind": "Kind",
    "units.name": "Name",
    "units.jurisdiction": "Jurisdiction",
    "units.address": "Address",
    "units.empty": "No units match",
    "units.supervisedDepartments": "Departments supervised (resident groups)",
    "units.supervises": "Supervises: {names}",
    "units.created": "Created “{name}”",

    "users.title": "Users",
    "users.new": "New user",
    "users.search": "Username or name",
    "users.allRoles": "All roles",
    "users.role": "Role",
    "users.username": "Username",
    "users.usernameHint": "Lower-case letters, digits, dot, underscore or hyphen",
    "users.displayName": "Name",
    "users.password": "Initial password",
    "users.passwordHint": "At least 10 characters",
    "users.unit": "Unit",
    "users.project": "Project",
    "users.jurisdiction": "Jurisdiction",
    "users.jurisdictionHint": "When a unit is chosen, the unit's jurisdiction applies",
    "users.empty": "No users match",
    "users.lastLogin": "Last signed in: {when}",
    "users.neverLoggedIn": "Never signed in",
    "users.deactivate": "Deactivate",
    "users.activate": "Activate",
    "users.confirmDeactivate": "Deactivate {name}'s account? They are signed out everywhere and their API tokens stop working.",
    "users.confirmActivate": "Reactivate {name}'s account?",
    "users.deactivated": "Deactivated {name}",
    "users.activated": "Activated {name}",
    "users.created": "Created user {name}",

    "account.title": "My account",
    "account.name": "Name",
    "account.username": "Username",
    "account.role": "Role",
    "account.scope": "Responsible for",
    "account.language": "Language",
    "account.changePassword": "Change password",
    "account.passwordNote": "Your other devices will be signed out.",
    "account.oldPassword": "Current password",
    "account.newPassword": "New password",
    "account.repeatPassword": "New password again",
    "account.mismatch": "The two new passwords differ",
    "account.passwordChanged": "Password changed",
    "account.tokens": "API tokens",
    "account.tokensIntro": "For other systems to connect; revoke the ones no longer needed.",
    "account.noTokens": "No API tokens",
    "account.tokenCreated": "Created {when}",
    "account.tokenUsed": "Last used {when}",
    "account.revoke": "Revoke",
    "account.revoked": "Revoked",
    "account.confirmRevoke": "Revoke the token “{name}”? Systems using it lose access.",
    "account.tokenRevoked": "Token revoked",
    "account.logout": "Sign out",
  },
};

function initialLanguage() {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (LANGUAGES.includes(stored)) return stored;
  } catch {
    /* storage may be unavailable */
  }
  return "zh"; // Chinese first, whatever the browser says
}

let language = initialLanguage();
const listeners = new Set();

export function getLanguage() {
  return language;
}

/** A moment from the API (UTC, RFC 3339) in the city's time and the user's language:
 *  "2026/11/26 20:19" ("26/11/2026, 20:19"); `short` leaves the year out. "" when there is none. */
export function localTime(iso, { short = false } = {}) {
  if (!iso) return "";
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return String(iso);
  return moment.toLocaleString(language === "en" ? "en-GB" : "zh-CN", {
    timeZone: "Asia/Shanghai", hour12: false, ...(short ? {} : { year: "numeric" }), month: "2-digit",
    day: "2-digit", hour: "2-digit", minute: "2-digit",
  });
}

export function otherLanguage() {
  return language === "zh" ? "en" : "zh";
}

export function setLanguage(next) {
  if (!LANGUAGES.includes(next) || next === language) return;
  language = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    /* the choice then lasts for this visit only */
  }
  listeners.forEach((fn) => fn(language));
}

export function onLanguageChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Add strings for a screen: addMessages({zh: {"key": "…"}, en: {"key": "…"}}). */
export function addMessages(more) {
  for (const lang of LANGUAGES) Object.assign(messages[lang], more[lang] || {});
}

/**
 * t("points.created", {name: "…"}) → the string in the current language, with {name} filled in.
 * A key missing in English falls back to Chinese; missing everywhere gives `fallback` or the key.
 */
export function t(key, params = {}, fallback) {
  let text = messages[language][key];
  if (text === undefined) text = messages.zh[key];
  if (text === undefined) return fallback !== undefined ? fallback : key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (params[name] !== undefined ? String(params[name]) : whole));
}
