// Strings of the fieldwork screens (visits, checklists, the sync queue).
import { addMessages } from "../i18n.js";

addMessages({
  zh: {
    "fw.yes": "是", "fw.no": "否", "fw.photos": "照片", "fw.photoItem": "请拍照", "fw.needPhoto": "此项须拍照",
    "fw.noToCase": "此项转为问题（立案）",
    "visits.title": "走访", "visits.empty": "暂无走访。点击“离线下载”获取分配给您的走访。",
    "visits.takeOffline": "离线下载", "visits.takingOffline": "正在下载…",
    "visits.offlineDone": "已下载 {visits} 个走访、{templates} 份清单、{cases} 件在办案件，占用 {size}",
    "visits.persisted": "已获准持久保存", "visits.notPersisted": "浏览器未承诺持久保存，请勿清理浏览器数据",
    "visits.new": "新建走访", "visits.kind": "走访类型", "visits.point": "点位", "visits.template": "清单",
    "visits.create": "开始走访", "visits.planned": "待走访", "visits.done": "已走访", "visits.local": "待同步",
    "visits.offlineAt": "上次离线下载：{at}", "visits.none": "（无）",
    "visit.title": "走访记录", "visit.notes": "走访情况", "visit.gps": "获取位置", "visit.gpsNone": "未获取位置",
    "visit.gpsAt": "位置：{lat}, {lng}（精度约 {acc} 米）", "visit.gpsFailed": "无法获取位置：{message}",
    "visit.photos": "现场照片", "visit.findings": "发现的问题", "visit.addFinding": "添加问题",
    "visit.finding": "问题说明", "visit.category": "问题类别", "visit.findingPhoto": "问题照片",
    "visit.save": "保存走访", "visit.saved": "已保存，等待同步（{count} 条）", "visit.notFound": "本机没有这个走访，请联网后“离线下载”",
    "visit.checklist": "监督清单", "visit.recorded": "本走访已记录，等待或已完成同步。",
    "checklists.title": "清单监督", "checklists.templates": "清单", "checklists.newTemplate": "新建清单",
    "checklists.tTitle": "清单名称", "checklists.problem": "针对的突出问题", "checklists.items": "检查项",
    "checklists.addItem": "添加检查项", "checklists.kind": "题型", "checklists.label": "检查内容",
    "checklists.guidance": "检查指引", "checklists.options": "选项（用逗号分隔）", "checklists.required": "必答",
    "checklists.create": "保存清单", "checklists.created": "清单已保存", "checklists.issue": "下发任务（举一反三）",
    "checklists.target": "下发对象", "checklists.allDepartments": "全部职能部门", "checklists.allHalls": "全部政务服务大厅",
    "checklists.allWindows": "全部窗口点位", "checklists.days": "期限（工作日）", "checklists.issued": "已下发 {count} 项任务",
    "checklists.ledger": "清单台账", "checklists.export": "导出 Excel", "checklists.selfCheck": "自查",
    "checklists.tasks": "我的清单任务", "checklists.due": "期限 {at}", "checklists.offline": "离线：显示本机保存的数据",
    "checklists.version": "第 {v} 版", "checklists.submitted": "自查已保存，等待同步",
    "kind.yes_no": "是否", "kind.single": "单选", "kind.multiple": "多选", "kind.number": "数字", "kind.text": "文字", "kind.photo": "照片",
    "task.issued": "待自查", "task.answered": "已自查", "task.spot_checked": "已抽查",
    "warning.yellow": "黄色预警", "warning.red": "已超期",
    "sync.title": "同步", "sync.now": "立即同步", "sync.waiting": "等待发送", "sync.sending": "正在发送", "sync.sent": "已发送",
    "sync.attention": "需要处理", "sync.discarded": "已放弃", "sync.empty": "没有待同步的记录",
    "sync.progress": "已发送 {done} / {total}", "sync.last": "上次同步：{at}", "sync.never": "尚未同步",
    "sync.needsLogin": "登录已过期：待同步记录已保留，请重新登录（须同一账号）后自动发送",
    "sync.offline": "当前离线，联网后自动同步", "sync.export": "导出", "sync.retry": "重新发送", "sync.edit": "修改后重发",
    "sync.discard": "放弃此条", "sync.discardConfirm": "确定放弃这条记录？放弃后不会再发送（仍保留在列表中）。",
    "sync.conflict": "冲突：案件已被他人处理（当前状态 {state}，版本 {version}）", "sync.rebase": "按最新版本重新提交",
    "sync.storage": "本机存储：已用 {used} / 可用 {quota}", "sync.queue": "待同步 {n} 条", "sync.queueAttention": "{n} 条需处理",
    "sync.otherUser": "（其他账号的记录，需该账号登录后发送）",
  },
  en: {
    "fw.yes": "Yes", "fw.no": "No", "fw.photos": "photos", "fw.photoItem": "Take a photo", "fw.needPhoto": "A photo is required",
    "fw.noToCase": "Turn this into a case",
    "visits.title": "Visits", "visits.empty": "No visits. Tap “Take offline” to download yours.",
    "visits.takeOffline": "Take offline", "visits.takingOffline": "Downloading…",
    "visits.offlineDone": "{visits} visits, {templates} checklists, {cases} open cases saved; {size} used",
    "visits.persisted": "Persistent storage granted", "visits.notPersisted": "Storage may be cleared by the browser",
    "visits.new": "New visit", "visits.kind": "Kind", "visits.point": "Point", "visits.template": "Checklist",
    "visits.create": "Start visit", "visits.planned": "Planned", "visits.done": "Done", "visits.local": "Not yet synced",
    "visits.offlineAt": "Taken offline: {at}", "visits.none": "(none)",
    "visit.title": "Visit", "visit.notes": "Notes", "visit.gps": "Get position", "visit.gpsNone": "No position yet",
    "visit.gpsAt": "Position: {lat}, {lng} (±{acc} m)", "visit.gpsFailed": "No position: {message}",
    "visit.photos": "Photos", "visit.findings": "Findings", "visit.addFinding": "Add a finding",
    "visit.finding": "What is wrong", "visit.category": "Category", "visit.findingPhoto": "Photo",
    "visit.save": "Save visit", "visit.saved": "Saved; {count} writes queued", "visit.notFound": "This visit is not on the device",
    "visit.checklist": "Checklist", "visit.recorded": "This visit has been recorded.",
    "checklists.title": "Checklists", "checklists.templates": "Checklists", "checklists.newTemplate": "New checklist",
    "checklists.tTitle": "Title", "checklists.problem": "Recurring problem", "checklists.items": "Items",
    "checklists.addItem": "Add item", "checklists.kind": "Kind", "checklists.label": "Item", "checklists.guidance": "Guidance",
    "checklists.options": "Options (comma separated)", "checklists.required": "Required", "checklists.create": "Save checklist",
    "checklists.created": "Checklist saved", "checklists.issue": "Issue as tasks", "checklists.target": "To",
    "checklists.allDepartments": "All departments", "checklists.allHalls": "All service halls", "checklists.allWindows": "All windows",
    "checklists.days": "Deadline (working days)", "checklists.issued": "{count} tasks issued", "checklists.ledger": "Ledger",
    "checklists.export": "Export to Excel", "checklists.selfCheck": "Self-check", "checklists.tasks": "My tasks",
    "checklists.due": "Due {at}", "checklists.offline": "Offline: showing saved data", "checklists.version": "v{v}",
    "checklists.submitted": "Self-check saved; waiting to sync",
    "kind.yes_no": "Yes/no", "kind.single": "Single choice", "kind.multiple": "Multiple choice", "kind.number": "Number",
    "kind.text": "Text", "kind.photo": "Photo",
    "task.issued": "To answer", "task.answered": "Answered", "task.spot_checked": "Spot-checked",
    "warning.yellow": "Due soon", "warning.red": "Overdue",
    "sync.title": "Sync", "sync.now": "Sync now", "sync.waiting": "Waiting", "sync.sending": "Sending", "sync.sent": "Sent",
    "sync.attention": "Needs attention", "sync.discarded": "Given up", "sync.empty": "Nothing queued",
    "sync.progress": "{done} of {total} sent", "sync.last": "Last sync: {at}", "sync.never": "Never synced",
    "sync.needsLogin": "Session expired: the queue is kept and will be sent after you sign in again (same account)",
    "sync.offline": "Offline; will sync when connected", "sync.export": "Export", "sync.retry": "Send again",
    "sync.edit": "Fix and resend", "sync.discard": "Give up", "sync.discardConfirm": "Give this write up? It stays listed.",
    "sync.conflict": "Conflict: the case changed (now {state}, version {version})", "sync.rebase": "Resubmit on the latest version",
    "sync.storage": "Storage: {used} used of {quota}", "sync.queue": "{n} queued", "sync.queueAttention": "{n} need attention",
    "sync.otherUser": "(another account's write)",
  },
});

export function bytes(n) {
  if (n === null || n === undefined) return "?";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(1)} GB`;
}

export function localTime(iso) {
  if (!iso) return "";
  try {
    return new Date(iso).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
  } catch {
    return iso;
  }
}
