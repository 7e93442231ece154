"""The demo city: 包头市 (Baotou), its banners, counties and districts, departments, halls and projects.

Pure data, no database. `jiandu.demo.seed` turns it into records; every random choice there is
made with a fixed seed, so the same city comes out every time.

Division codes of the city and its nine banners/counties/districts are the real ones (GB/T 2260).
Town/street names are real places; their 12-digit codes are left out rather than guessed.
Addresses, enterprises and projects are invented for the demo and only sound real.
"""

CITY = {"name": "包头市", "division_code": "150200"}

# Nine banners, counties and districts (旗县区), in the order of their division codes.
COUNTIES = [
    {"name": "东河区", "division_code": "150202", "short": "东河区"},
    {"name": "昆都仑区", "division_code": "150203", "short": "昆区"},
    {"name": "青山区", "division_code": "150204", "short": "青山区"},
    {"name": "石拐区", "division_code": "150205", "short": "石拐区"},
    {"name": "白云鄂博矿区", "division_code": "150206", "short": "白云矿区"},
    {"name": "九原区", "division_code": "150207", "short": "九原区"},
    {"name": "土默特右旗", "division_code": "150221", "short": "土右旗"},
    {"name": "固阳县", "division_code": "150222", "short": "固阳县"},
    {"name": "达尔罕茂明安联合旗", "division_code": "150223", "short": "达茂旗"},
]

# Towns and streets (苏木乡镇/街道) under a few of them. Names are unique across the city.
TOWNS = {
    "昆都仑区": ["少先路街道", "沼潭街道", "友谊大街街道"],
    "青山区": ["富强路街道", "青山路街道"],
    "东河区": ["西脑包街道", "和平路街道"],
    "九原区": ["沙河街道", "哈林格尔镇"],
    "石拐区": ["大发街道"],
    "土默特右旗": ["萨拉齐镇", "美岱召镇"],
    "固阳县": ["金山镇"],
    "达尔罕茂明安联合旗": ["百灵庙镇", "满都拉镇", "达尔汗苏木"],
}


def is_district(county_name: str) -> bool:
    """市辖区 (districts) end in 区; banners (旗) and counties (县) do not."""
    return county_name.endswith("区")


# Departments and window-operating units (窗口单位).
#   key       identifier used in this file
#   city      its name at city level
#   county    name template for the per-county copy ({c} = county name), None = city level only
#   district  template used instead of `county` for districts (区), when the real naming differs
#   weight    relative number of windows it staffs in a general hall (0 = no windows)
#   windows   window names, the commonest first
DEPARTMENTS = [
    {"key": "approval", "city": "包头市行政审批和政务服务局", "county": "{c}行政审批和政务服务局", "weight": 16,
     "windows": ["综合受理窗口", "出件窗口", "咨询导办窗口", "帮办代办窗口", "“一件事一次办”窗口",
                 "企业开办专区", "投资项目审批窗口", "工程建设项目审批窗口", "“办不成事”反映窗口"]},
    {"key": "market", "city": "包头市市场监督管理局", "county": "{c}市场监督管理局", "weight": 12,
     "windows": ["企业开办综合窗口", "食品经营许可窗口", "个体工商户登记窗口", "企业变更注销窗口",
                 "药品医疗器械许可窗口", "特种设备使用登记窗口"]},
    {"key": "tax", "city": "国家税务总局包头市税务局", "county": "国家税务总局{c}税务局",
     "district": "国家税务总局包头市{c}税务局", "weight": 14,
     "windows": ["综合办税窗口", "发票领用窗口", "社保费缴纳窗口", "涉税咨询窗口", "税务注销窗口",
                 "车辆购置税窗口"]},
    {"key": "real_estate", "city": "包头市不动产登记中心", "county": "{c}不动产登记中心", "weight": 6,
     "windows": ["不动产登记受理窗口", "抵押登记窗口", "不动产权证书发放窗口", "预告登记窗口",
                 "不动产登记查询窗口", "企业专窗"]},
    {"key": "hr", "city": "包头市人力资源和社会保障局", "county": "{c}人力资源和社会保障局", "weight": 9,
     "windows": ["社会保险登记窗口", "养老保险待遇窗口", "就业创业服务窗口", "社保卡服务窗口",
                 "失业保险窗口", "工伤认定窗口"]},
    {"key": "police", "city": "包头市公安局", "county": "{c}公安局", "district": "包头市公安局{c}分局",
     "weight": 7, "windows": ["户籍业务窗口", "车驾管业务窗口", "出入境业务窗口", "居住证办理窗口", "治安业务窗口"]},
    {"key": "medical", "city": "包头市医疗保障局", "county": "{c}医疗保障局", "weight": 6,
     "windows": ["医保参保登记窗口", "医疗费用报销窗口", "异地就医备案窗口", "门诊慢特病认定窗口"]},
    {"key": "housing", "city": "包头市住房和城乡建设局", "county": "{c}住房和城乡建设局", "weight": 5,
     "windows": ["施工许可窗口", "房屋交易备案窗口", "商品房预售许可窗口", "建筑业企业资质窗口",
                 "消防设计审查验收窗口"]},
    {"key": "land", "city": "包头市自然资源局", "county": "包头市自然资源局{c}分局", "weight": 4,
     "windows": ["建设用地规划许可窗口", "建设工程规划许可窗口", "用地预审窗口", "测绘成果窗口"]},
    {"key": "civil", "city": "包头市民政局", "county": "{c}民政局", "weight": 3,
     "windows": ["婚姻登记窗口", "社会救助窗口", "社会组织登记窗口"]},
    {"key": "justice", "city": "包头市司法局", "county": "{c}司法局", "weight": 2,
     "windows": ["公证服务窗口", "法律援助窗口"]},
    {"key": "transport", "city": "包头市交通运输局", "county": "{c}交通运输局", "weight": 3,
     "windows": ["道路运输许可窗口", "从业资格窗口", "网约车许可窗口"]},
    {"key": "veterans", "city": "包头市退役军人事务局", "county": "{c}退役军人事务局", "weight": 1,
     "windows": ["退役军人服务窗口", "优抚业务窗口"]},
    {"key": "housing_fund", "city": "包头市住房公积金管理中心", "county": None, "weight": 5,
     "windows": ["公积金提取窗口", "公积金缴存窗口", "公积金贷款受理窗口", "单位开户窗口"]},
    {"key": "eco", "city": "包头市生态环境局", "county": None, "weight": 2,
     "windows": ["环境影响评价审批窗口", "排污许可窗口"]},
    {"key": "health", "city": "包头市卫生健康委员会", "county": None, "weight": 3,
     "windows": ["医疗机构执业许可窗口", "公共场所卫生许可窗口", "出生医学证明窗口"]},
    {"key": "education", "city": "包头市教育局", "county": None, "weight": 2,
     "windows": ["教师资格认定窗口", "民办学校审批窗口"]},
    {"key": "commerce", "city": "包头市商务局", "county": None, "weight": 1,
     "windows": ["对外贸易经营者备案窗口", "商务综合窗口"]},
    {"key": "development", "city": "包头市发展和改革委员会", "county": None, "weight": 2,
     "windows": ["固定资产投资项目核准窗口", "投资项目备案窗口"]},
    {"key": "industry", "city": "包头市工业和信息化局", "county": None, "weight": 1,
     "windows": ["工业和信息化业务窗口"]},
    {"key": "agriculture", "city": "包头市农牧局", "county": None, "weight": 2,
     "windows": ["农牧业审批窗口", "兽药饲料许可窗口"]},
    {"key": "water", "city": "包头市水务局", "county": None, "weight": 2,
     "windows": ["取水许可窗口", "水土保持方案审批窗口"]},
    {"key": "culture", "city": "包头市文化旅游广电局", "county": None, "weight": 2,
     "windows": ["文化市场许可窗口", "旅行社业务许可窗口"]},
    {"key": "emergency", "city": "包头市应急管理局", "county": None, "weight": 1,
     "windows": ["安全生产许可窗口", "危险化学品经营许可窗口"]},
    {"key": "urban", "city": "包头市城市管理综合执法局", "county": None, "weight": 2,
     "windows": ["城市道路挖掘占用许可窗口", "户外广告设置许可窗口"]},
    {"key": "forestry", "city": "包头市林业和草原局", "county": None, "weight": 1,
     "windows": ["使用林地草原审核窗口"]},
    {"key": "statistics", "city": "包头市统计局", "county": None, "weight": 0, "windows": []},
    {"key": "weather", "city": "包头市气象局", "county": None, "weight": 1, "windows": ["防雷装置审批窗口"]},
    {"key": "fire", "city": "包头市消防救援支队", "county": None, "weight": 1,
     "windows": ["公众聚集场所消防安全检查窗口"]},
    {"key": "disabled", "city": "包头市残疾人联合会", "county": None, "weight": 1, "windows": ["残疾人证办理窗口"]},
    {"key": "tobacco", "city": "包头市烟草专卖局", "county": None, "weight": 1, "windows": ["烟草专卖许可窗口"]},
    {"key": "power", "city": "国网包头供电公司", "county": None, "weight": 2,
     "windows": ["用电报装窗口", "电费业务窗口"]},
    {"key": "gas", "city": "包头市燃气有限公司", "county": None, "weight": 1, "windows": ["燃气报装窗口"]},
    {"key": "heating", "city": "包头市热力（集团）有限责任公司", "county": None, "weight": 1,
     "windows": ["供热报装窗口"]},
    {"key": "waterworks", "city": "包头市供水总公司", "county": None, "weight": 1, "windows": ["用水报装窗口"]},
    {"key": "post", "city": "中国邮政集团有限公司包头市分公司", "county": None, "weight": 1,
     "windows": ["EMS证照寄递窗口"]},
]

# The city commission and one per county; named "{name}纪委监委".
COMMISSION_SUFFIX = "纪委监委"

# Dispatched discipline-inspection groups of the city commission, each supervising city departments.
GROUPS = [
    {"name": "包头市纪委监委派驻第一纪检监察组",
     "departments": ["development", "industry", "commerce", "statistics"]},
    {"name": "包头市纪委监委派驻第二纪检监察组",
     "departments": ["housing", "land", "urban", "real_estate", "housing_fund"]},
    {"name": "包头市纪委监委派驻第三纪检监察组", "departments": ["market", "approval"]},
    {"name": "包头市纪委监委派驻第四纪检监察组", "departments": ["police", "justice", "emergency"]},
    {"name": "包头市纪委监委派驻第五纪检监察组",
     "departments": ["hr", "medical", "civil", "veterans", "disabled"]},
    {"name": "包头市纪委监委派驻第六纪检监察组", "departments": ["education", "health", "culture"]},
    {"name": "包头市纪委监委派驻第七纪检监察组",
     "departments": ["transport", "eco", "water", "agriculture", "forestry"]},
]

# Government service halls: 17 over the city and its counties, 1,503 windows in all.
#   jurisdiction  "包头市" or a county name
#   windows       number of service windows
#   departments   None = every department of that jurisdiction that staffs windows (by its weight);
#                 otherwise {department key: weight} for a specialised hall
REAL_ESTATE_HALL = {"real_estate": 10, "tax": 3, "housing": 2}
HALLS = [
    {"name": "包头市政务服务中心", "jurisdiction": "包头市", "windows": 318, "departments": None,
     "address": "包头市九原区建华南路1号"},
    {"name": "包头市不动产登记中心服务大厅", "jurisdiction": "包头市", "windows": 58,
     "departments": {"real_estate": 10, "tax": 3, "housing": 2, "housing_fund": 1},
     "address": "包头市昆都仑区钢铁大街74号"},
    {"name": "包头市住房公积金管理中心服务大厅", "jurisdiction": "包头市", "windows": 36,
     "departments": {"housing_fund": 1}, "address": "包头市青山区幸福南路16号"},
    {"name": "昆都仑区政务服务中心", "jurisdiction": "昆都仑区", "windows": 162, "departments": None,
     "address": "包头市昆都仑区友谊大街与乌兰道交汇处"},
    {"name": "昆都仑区不动产登记大厅", "jurisdiction": "昆都仑区", "windows": 42, "departments": REAL_ESTATE_HALL,
     "address": "包头市昆都仑区白云路12号"},
    {"name": "青山区政务服务中心", "jurisdiction": "青山区", "windows": 142, "departments": None,
     "address": "包头市青山区呼得木林大街32号"},
    {"name": "青山区不动产登记大厅", "jurisdiction": "青山区", "windows": 38, "departments": REAL_ESTATE_HALL,
     "address": "包头市青山区青年路8号"},
    {"name": "东河区政务服务中心", "jurisdiction": "东河区", "windows": 134, "departments": None,
     "address": "包头市东河区巴彦塔拉大街西段1号"},
    {"name": "东河区不动产登记大厅", "jurisdiction": "东河区", "windows": 40, "departments": REAL_ESTATE_HALL,
     "address": "包头市东河区南门外大街19号"},
    {"name": "九原区政务服务中心", "jurisdiction": "九原区", "windows": 117, "departments": None,
     "address": "包头市九原区赛音道66号"},
    {"name": "九原区政务服务中心沙河分中心", "jurisdiction": "九原区", "windows": 36,
     "departments": {"approval": 6, "market": 4, "tax": 4, "hr": 3, "medical": 2, "police": 2, "civil": 1},
     "address": "包头市九原区沙河街道滨河路5号"},
    {"name": "石拐区政务服务中心", "jurisdiction": "石拐区", "windows": 41, "departments": None,
     "address": "包头市石拐区大发街道石拐大街1号"},
    {"name": "白云鄂博矿区政务服务中心", "jurisdiction": "白云鄂博矿区", "windows": 39, "departments": None,
     "address": "包头市白云鄂博矿区通阳道8号"},
    {"name": "土默特右旗政务服务中心", "jurisdiction": "土默特右旗", "windows": 109, "departments": None,
     "address": "包头市土默特右旗萨拉齐镇新华大街西段"},
    {"name": "土默特右旗不动产登记大厅", "jurisdiction": "土默特右旗", "windows": 34,
     "departments": REAL_ESTATE_HALL, "address": "包头市土默特右旗萨拉齐镇民族街28号"},
    {"name": "固阳县政务服务中心", "jurisdiction": "固阳县", "windows": 76, "departments": None,
     "address": "包头市固阳县金山镇阿塔山大街中段"},
    {"name": "达尔罕茂明安联合旗政务服务中心", "jurisdiction": "达尔罕茂明安联合旗", "windows": 81,
     "departments": None, "address": "包头市达尔罕茂明安联合旗百灵庙镇艾不盖路1号"},
]
TOTAL_WINDOWS = 1503

# Department placed first in every hall's numbering (the general desk at the entrance).
FIRST_IN_HALL = "approval"

# Traditional Mongolian script (U+1820–U+1877; U+202F narrow no-break space before case suffixes),
# for the bilingual signs of windows in the two banners with Mongolian as an official language here.
WINDOW_NAMES_MN = {
    "综合受理窗口": "ᠶᠡᠷᠦᠩᠬᠡᠢ ᠬᠦᠯᠢᠶᠡᠨ ᠠᠪᠬᠤ ᠴᠣᠩᠬᠣ",
    "咨询导办窗口": "ᠯᠠᠪᠯᠠᠬᠤ ᠴᠣᠩᠬᠣ",
    "出件窗口": "ᠪᠢᠴᠢᠭ ᠬᠦᠯᠢᠶᠡᠯᠭᠡᠬᠦ ᠴᠣᠩᠬᠣ",
    "帮办代办窗口": "ᠲᠤᠰᠠᠯᠠᠬᠤ ᠴᠣᠩᠬᠣ",
    "综合办税窗口": "ᠠᠯᠪᠠᠨ ᠲᠠᠲᠠᠪᠤᠷᠢ\u202fᠶᠢᠨ ᠶᠡᠷᠦᠩᠬᠡᠢ ᠴᠣᠩᠬᠣ",
    "不动产登记受理窗口": "ᠦᠯᠦ ᠬᠥᠳᠡᠯᠬᠦ ᠡᠳ ᠬᠥᠷᠥᠩᠭᠡ\u202fᠶᠢᠨ ᠪᠦᠷᠢᠳᠬᠡᠯ\u202fᠦᠨ ᠴᠣᠩᠬᠣ",
    "企业开办综合窗口": "ᠠᠵᠢᠯ ᠠᠬᠤᠢ\u202fᠶᠢᠨ ᠪᠦᠷᠢᠳᠬᠡᠯ\u202fᠦᠨ ᠴᠣᠩᠬᠣ",
}
HALL_PHRASE_MN = "ᠵᠠᠰᠠᠭ\u202fᠤᠨ ᠬᠡᠷᠡᠭ ᠦᠢᠯᠡᠴᠢᠯᠡᠭᠡ\u202fᠶᠢᠨ ᠲᠥᠪ"
REAL_ESTATE_HALL_PHRASE_MN = "ᠦᠯᠦ ᠬᠥᠳᠡᠯᠬᠦ ᠡᠳ ᠬᠥᠷᠥᠩᠭᠡ\u202fᠶᠢᠨ ᠪᠦᠷᠢᠳᠬᠡᠯ\u202fᠦᠨ ᠲᠥᠪ"
PLACE_MN = {
    "土默特右旗": "ᠲᠦᠮᠡᠳ ᠪᠠᠷᠠᠭᠤᠨ ᠬᠣᠰᠢᠭᠤ\u202fᠶᠢᠨ",
    "达尔罕茂明安联合旗": "ᠳᠠᠷᠬᠠᠨ ᠮᠤᠤᠮᠢᠩᠭᠠᠨ ᠬᠣᠯᠪᠤᠭᠠᠲᠤ ᠬᠣᠰᠢᠭᠤ\u202fᠶᠢᠨ",
}
HALL_NAMES_MN = {
    "土默特右旗政务服务中心": PLACE_MN["土默特右旗"] + " " + HALL_PHRASE_MN,
    "土默特右旗不动产登记大厅": PLACE_MN["土默特右旗"] + " " + REAL_ESTATE_HALL_PHRASE_MN,
    "达尔罕茂明安联合旗政务服务中心": PLACE_MN["达尔罕茂明安联合旗"] + " " + HALL_PHRASE_MN,
}
# Jurisdictions whose window points get a Mongolian name when their name is in WINDOW_NAMES_MN.
MONGOLIAN_SIGN_JURISDICTIONS = ("土默特右旗", "达尔罕茂明安联合旗")

# Points of the other kinds (the article's "extend coverage").
#   jurisdiction  a town, county or the city, by name
#   department    (department key, jurisdiction name of that department's copy), optional
OTHER_POINTS = [
    # 党群服务中心
    {"type": "party_centre", "name": "昆都仑区少先路街道党群服务中心", "jurisdiction": "少先路街道",
     "address": "包头市昆都仑区少先路街道少先路29号"},
    {"type": "party_centre", "name": "青山区富强路街道党群服务中心", "jurisdiction": "富强路街道",
     "address": "包头市青山区富强路街道民主路15号"},
    {"type": "party_centre", "name": "土默特右旗萨拉齐镇党群服务中心", "jurisdiction": "萨拉齐镇",
     "address": "包头市土默特右旗萨拉齐镇振华路6号"},
    {"type": "party_centre", "name": "达尔罕茂明安联合旗百灵庙镇党群服务中心", "jurisdiction": "百灵庙镇",
     "address": "包头市达尔罕茂明安联合旗百灵庙镇查干淖尔路3号"},
    # 便民服务站
    {"type": "convenience_station", "name": "东河区西脑包街道便民服务站", "jurisdiction": "西脑包街道",
     "address": "包头市东河区西脑包街道东站路11号"},
    {"type": "convenience_station", "name": "九原区沙河街道便民服务站", "jurisdiction": "沙河街道",
     "address": "包头市九原区沙河街道建设路22号"},
    {"type": "convenience_station", "name": "固阳县金山镇便民服务站", "jurisdiction": "金山镇",
     "address": "包头市固阳县金山镇怀朔路8号"},
    {"type": "convenience_station", "name": "土默特右旗美岱召镇便民服务站", "jurisdiction": "美岱召镇",
     "address": "包头市土默特右旗美岱召镇美岱召村"},
    {"type": "convenience_station", "name": "达尔罕茂明安联合旗达尔汗苏木便民服务站", "jurisdiction": "达尔汗苏木",
     "address": "包头市达尔罕茂明安联合旗达尔汗苏木政府院内"},
    # 执法单位
    {"type": "law_enforcement", "name": "包头市市场监管综合行政执法支队", "jurisdiction": "包头市",
     "department": ("market", "包头市"), "address": "包头市昆都仑区阿尔丁大街46号"},
    {"type": "law_enforcement", "name": "包头市城市管理综合行政执法支队", "jurisdiction": "包头市",
     "department": ("urban", "包头市"), "address": "包头市青山区文化路20号"},
    {"type": "law_enforcement", "name": "包头市交通运输综合行政执法支队", "jurisdiction": "包头市",
     "department": ("transport", "包头市"), "address": "包头市东河区巴彦塔拉大街88号"},
    {"type": "law_enforcement", "name": "包头市生态环境综合行政执法支队", "jurisdiction": "包头市",
     "department": ("eco", "包头市"), "address": "包头市九原区建设路3号"},
    {"type": "law_enforcement", "name": "昆都仑区市场监管综合行政执法大队", "jurisdiction": "昆都仑区",
     "department": ("market", "昆都仑区"), "address": "包头市昆都仑区林荫路17号"},
    # 基层站所
    {"type": "grassroots_station", "name": "国家税务总局包头市昆都仑区税务局少先路税务所",
     "jurisdiction": "少先路街道", "department": ("tax", "昆都仑区"), "address": "包头市昆都仑区少先路街道团结大街5号"},
    {"type": "grassroots_station", "name": "包头市公安局昆都仑区分局沼潭派出所户籍窗口",
     "jurisdiction": "沼潭街道", "department": ("police", "昆都仑区"), "address": "包头市昆都仑区沼潭街道青年路40号"},
    {"type": "grassroots_station", "name": "青山区市场监督管理局富强路市场监管所",
     "jurisdiction": "富强路街道", "department": ("market", "青山区"), "address": "包头市青山区富强路街道幸福路27号"},
    {"type": "grassroots_station", "name": "国家税务总局土默特右旗税务局萨拉齐税务分局",
     "jurisdiction": "萨拉齐镇", "department": ("tax", "土默特右旗"), "address": "包头市土默特右旗萨拉齐镇新建街12号"},
    {"type": "grassroots_station", "name": "土默特右旗公安局萨拉齐派出所户籍窗口",
     "jurisdiction": "萨拉齐镇", "department": ("police", "土默特右旗"),
     "address": "包头市土默特右旗萨拉齐镇公园路4号"},
    {"type": "grassroots_station", "name": "达尔罕茂明安联合旗市场监督管理局百灵庙市场监管所",
     "jurisdiction": "百灵庙镇", "department": ("market", "达尔罕茂明安联合旗"),
     "address": "包头市达尔罕茂明安联合旗百灵庙镇乌兰察布路9号"},
    # 网站
    {"type": "website", "name": "包头市人民政府门户网站", "jurisdiction": "包头市",
     "address": "https://www.baotou.gov.cn", "allowed_origins": "https://www.baotou.gov.cn"},
]

# Enterprises of the demo projects (invented). The unified social credit code (GB 32100-2015) is
#   "9" (registered by market regulation) + "1" (enterprise) + division code + organisation code
#   (8 characters + a GB 11714 check character) + a check character; seed.py computes both checks.
ENTERPRISES = [
    {"key": "xiyu", "name": "包头稀宇新材料科技有限公司", "division_code": "150207", "org_body": "MA0QH7K4"},
    {"key": "lucheng", "name": "内蒙古鹿城建工集团有限公司", "division_code": "150203", "org_body": "MA0N2R5C"},
    {"key": "kdl_invest", "name": "包头市昆都仑区城市建设投资有限公司", "division_code": "150203",
     "org_body": "MA0PX3B8"},
    {"key": "beijiang", "name": "内蒙古北疆路桥建设有限公司", "division_code": "150202", "org_body": "MA0RJ2W6"},
    {"key": "chilechuan", "name": "包头敕勒川新能源开发有限公司", "division_code": "150221", "org_body": "MA7YDK3N"},
    {"key": "saibei", "name": "内蒙古塞北电力工程建设有限公司", "division_code": "150204", "org_body": "MA0MT8E1"},
    {"key": "mandula", "name": "达茂旗满都拉口岸物流园区开发有限公司", "division_code": "150223",
     "org_body": "MA13G5PU"},
    {"key": "qingcheng", "name": "内蒙古青城建设工程有限公司", "division_code": "150102", "org_body": "MA0NB6RH"},
    {"key": "qingtu", "name": "包头氢途装备制造有限公司", "division_code": "150204", "org_body": "MA0U6LWB"},
    {"key": "yuanda", "name": "内蒙古远达建设集团有限公司", "division_code": "150207", "org_body": "MA0R8TMQ"},
    {"key": "beiliang", "name": "包头市东河区城市建设发展有限公司", "division_code": "150202",
     "org_body": "MA0PC9F3"},
    {"key": "jinshan", "name": "固阳县金山矿业新材料有限公司", "division_code": "150222", "org_body": "MA0NW4Y7"},
    {"key": "wudangzhao", "name": "包头市石拐区文化旅游投资有限公司", "division_code": "150205",
     "org_body": "MA0QE2D9"},
]

# Major projects (重大项目). Stages: land_planning 立项用地规划许可, construction_permit_prep 工程建设许可,
# construction_permit 施工许可, completion 竣工验收. Codes follow the national investment-project
# code layout (year-division-industry-type-serial).
PROJECTS = [
    {"name": "稀土高性能钕铁硼永磁材料产业化项目", "code": "2024-150207-39-03-017652", "jurisdiction": "九原区",
     "owner": "xiyu", "construction": "lucheng", "investment_wan": 186000, "stage": "construction_permit",
     "location": "包头市九原区装备制造产业园区稀土路以南"},
    {"name": "钢铁大街沿线城市更新改造项目", "code": "2024-150203-48-01-006213", "jurisdiction": "昆都仑区",
     "owner": "kdl_invest", "construction": "beijiang", "investment_wan": 92800,
     "stage": "construction_permit_prep", "location": "包头市昆都仑区钢铁大街（阿尔丁大街至民族西路段）"},
    {"name": "土默特右旗200兆瓦风光储一体化示范项目", "code": "2025-150221-44-02-002871", "jurisdiction": "土默特右旗",
     "owner": "chilechuan", "construction": "saibei", "investment_wan": 128500, "stage": "land_planning",
     "location": "包头市土默特右旗美岱召镇北部山前荒地"},
    {"name": "满都拉口岸综合物流园区（一期）建设项目", "code": "2025-150223-59-01-001146",
     "jurisdiction": "达尔罕茂明安联合旗", "owner": "mandula", "construction": "qingcheng", "investment_wan": 46300,
     "stage": "construction_permit_prep", "location": "包头市达尔罕茂明安联合旗满都拉镇口岸区"},
    {"name": "氢能装备制造基地项目", "code": "2024-150204-35-03-009385", "jurisdiction": "青山区",
     "owner": "qingtu", "construction": "yuanda", "investment_wan": 73500, "stage": "construction_permit",
     "location": "包头市青山区装备制造产业园区兴业路东侧"},
    {"name": "北梁片区安置区配套九年一贯制学校建设项目", "code": "2023-150202-83-01-004728", "jurisdiction": "东河区",
     "owner": "beiliang", "construction": "lucheng", "investment_wan": 21600, "stage": "completion",
     "location": "包头市东河区北梁新区南二区"},
    {"name": "金山工业园区铁精粉深加工项目", "code": "2024-150222-08-03-003519", "jurisdiction": "固阳县",
     "owner": "jinshan", "construction": "yuanda", "investment_wan": 38900, "stage": "construction_permit",
     "location": "包头市固阳县金山工业园区纬三路北侧"},
    {"name": "五当召景区游客服务中心及配套设施提升项目", "code": "2025-150205-78-01-000937", "jurisdiction": "石拐区",
     "owner": "wudangzhao", "construction": "beijiang", "investment_wan": 12800, "stage": "land_planning",
     "location": "包头市石拐区五当召镇五当召景区入口"},
]

# Demo accounts; all share the demo password.
#   jurisdiction  the scope (for handlers and group inspectors, the unit's jurisdiction wins)
#   department    (key, jurisdiction name) for handlers; group = index into GROUPS; project = index into PROJECTS
USERS = [
    {"username": "admin", "display_name": "平台管理员", "role": "admin", "jurisdiction": "包头市"},
    {"username": "inspector", "display_name": "赵建国", "role": "inspector", "jurisdiction": "包头市"},
    {"username": "county-inspector", "display_name": "孙丽娜", "role": "inspector", "jurisdiction": "昆都仑区"},
    {"username": "group-inspector", "display_name": "周海峰", "role": "inspector", "jurisdiction": "包头市",
     "group": 0},
    {"username": "handler", "display_name": "刘晓燕", "role": "handler", "jurisdiction": "包头市",
     "department": ("market", "包头市")},
    {"username": "enterprise", "display_name": "陈涛", "role": "enterprise", "jurisdiction": "九原区", "project": 0},
    {"username": "kdl-admin", "display_name": "吴磊", "role": "admin", "jurisdiction": "昆都仑区"},
    {"username": "tax-handler", "display_name": "郑雅琴", "role": "handler", "jurisdiction": "包头市",
     "department": ("tax", "包头市")},
    {"username": "hall-handler", "display_name": "马慧敏", "role": "handler", "jurisdiction": "包头市",
     "department": ("approval", "包头市")},
    {"username": "kdl-handler", "display_name": "高志远", "role": "handler", "jurisdiction": "昆都仑区",
     "department": ("market", "昆都仑区")},
    {"username": "group2-inspector", "display_name": "王建军", "role": "inspector", "jurisdiction": "包头市",
     "group": 1},
    {"username": "tyq-admin", "display_name": "巴特尔", "role": "admin", "jurisdiction": "土默特右旗"},
    {"username": "dmq-inspector", "display_name": "其木格", "role": "inspector", "jurisdiction": "达尔罕茂明安联合旗"},
    {"username": "enterprise2", "display_name": "李强", "role": "enterprise", "jurisdiction": "土默特右旗",
     "project": 2},
]
