"""The categories and rating reasons a new installation starts with; admins edit them afterwards."""

# (code, name, name_en, case_type)
CATEGORIES = (
    ("attitude", "服务态度", "Staff attitude", "work_style"),
    ("efficiency", "办事效率/超时", "Slow service / overdue", "work_style"),
    ("extortion", "吃拿卡要", "Petty extortion / obstruction", "lead"),
    ("buck_passing", "推诿扯皮", "Passing the buck", "work_style"),
    ("illegal_fees", "乱收费", "Improper fees", "lead"),
    ("policy", "政策不落实", "Policy not implemented", "work_style"),
    ("other", "其他", "Other", "service_request"),
)

# (code, polarity, name, name_en)
RATING_REASONS = (
    ("warm", "good", "态度热情", "Friendly staff"),
    ("fast", "good", "办事高效", "Quick service"),
    ("once", "good", "一次办好", "Done in one visit"),
    ("clear", "good", "指引清楚", "Clear guidance"),
    ("rude", "bad", "态度生硬", "Rude staff"),
    ("long_wait", "bad", "等候太久", "Waited too long"),
    ("many_trips", "bad", "多次跑腿", "Had to come back again"),
    ("unclear", "bad", "告知不清", "Unclear information"),
    ("buck_passing", "bad", "推诿扯皮", "Passed from desk to desk"),
    ("asked_favours", "bad", "吃拿卡要", "Asked for favours or gifts"),
    ("fees", "bad", "收费不明", "Unclear fees"),
    ("other", "bad", "其他", "Other"),
)
