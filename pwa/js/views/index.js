// Every screen of the app. Each module exports {path, title, roles, render(container, params)};
// optional: public (no sign-in needed), menu (listed in the menu), tab (its place in the bottom
// tab bar). Fixed paths win over ":param" paths whatever the order here. Add new screens below.
import account from "./account.js";
import halls from "./halls.js";
import home from "./home.js";
import jurisdictionNew from "./jurisdiction-new.js";
import jurisdictions from "./jurisdictions.js";
import login from "./login.js";
import pointEdit from "./point-edit.js";
import pointImport from "./point-import.js";
import pointNew from "./point-new.js";
import points from "./points.js";
import unitNew from "./unit-new.js";
import units from "./units.js";
import userNew from "./user-new.js";
import users from "./users.js";
import ledger from "./ledger.js";
import inbox from "./inbox.js";
import caseView from "./case.js";
import checklists from "./checklists.js";
import visits from "./visits.js";
import visit from "./visit.js";
import syncView from "./sync.js";
import reports from "./reports.js";
import notifications from "./notifications.js";
import notifyParked from "./notify-parked.js";
import projects from "./projects.js";
import project, { inviteView } from "./project.js";
import blockerNew, { blockerDetail } from "./blocker.js";
import projectNew, { projectEditView } from "./project-edit.js";
import projectImport from "./project-import.js";
import signs from "./signs.js";

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
