// Every screen of the app. Each module exports {path, title, roles, render(container, params)};
// optional: public (no sign-in needed), menu (listed in the menu), tab (its place in the bottom
// tab bar). Fixed paths win over ":param" paths whatever the order here. Add new screens below.
import account from "./shell/account.js";
import halls from "./org/halls.js";
import home from "./shell/home.js";
import jurisdictionNew from "./org/jurisdiction-new.js";
import jurisdictions from "./org/jurisdictions.js";
import login from "./shell/login.js";
import pointEdit from "./org/point-edit.js";
import pointImport from "./org/point-import.js";
import pointNew from "./org/point-new.js";
import points from "./org/points.js";
import unitNew from "./org/unit-new.js";
import units from "./org/units.js";
import userNew from "./org/user-new.js";
import users from "./org/users.js";
import ledger from "./cases/ledger.js";
import inbox from "./cases/inbox.js";
import caseView from "./cases/case.js";
import checklists from "./fieldwork/checklists.js";
import visits from "./fieldwork/visits.js";
import visit from "./fieldwork/visit.js";
import syncView from "./fieldwork/sync.js";
import reports from "./intake/reports.js";
import notifications from "./notify/notifications.js";
import notifyParked from "./notify/notify-parked.js";
import projects from "./projects/projects.js";
import project, { inviteView } from "./projects/project.js";
import blockerNew, { blockerDetail } from "./projects/blocker.js";
import projectNew, { projectEditView } from "./projects/project-edit.js";
import projectImport from "./projects/project-import.js";
import signs from "./signs/signs.js";

export default [
  login,
  home,
  points,
  pointNew,
  pointImport,
  pointEdit,
  halls,
  jurisdictions,
  jurisdictionNew,
  units,
  unitNew,
  users,
  userNew,
  account,
  ledger,
  inbox,
  caseView,
  checklists,
  visits,
  visit,
  syncView,
  reports,
  notifications,
  notifyParked,
  projects,
  project,
  inviteView,
  blockerNew,
  blockerDetail,
  projectNew,
  projectImport,
  projectEditView,
  signs,
];
