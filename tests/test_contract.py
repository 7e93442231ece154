"""The shared fields: what a body gets back when a field is wrong is the same Chinese everywhere."""
import pytest
from marshmallow import ValidationError

from jiandu.contract import Body, ClientKey, CreditCode, Int, Money, Phone, Text, Version


class Sample(Body):
    name = Text(label="名称", limit=5, required=True)
    days = Int(label="天数", low=1, high=10)
    phone = Phone()
    amount = Money()
    code = CreditCode()
    key = ClientKey()
    version = Version()


GOOD = {"name": " 工改 ", "days": "3", "phone": "0472-5123456", "amount": "12.30", "code": "91150200ma0n1xxx1x",
        "key": "0b7f5c1e-8a1d-4c55-9a63-2f7f9e1d2c3b", "version": 2, "from_a_newer_client": 1}


def test_a_good_body_comes_back_clean():
    assert Sample().load(GOOD) == {"name": "工改", "days": 3, "phone": "0472-5123456", "amount": 1230,
                                   "code": "91150200MA0N1XXX1X", "key": GOOD["key"], "version": 2}
    assert Sample().dump({"amount": 1230}) == {"amount": "12.30"}


@pytest.mark.parametrize("field, value, words", [
    ("name", "  ", "请填写名称"), ("name", "一二三四五六", "名称不能超过 5 个字"),
    ("days", True, "天数应为整数"), ("days", 11, "天数应在 1 到 10 之间"),
    ("phone", "12345", "联系电话应为 11 位手机号或带区号的固定电话"),
    ("amount", "1.234", "金额最多两位小数（精确到分）"), ("amount", "-1", "金额不能为负数"),
    ("amount", "十元", "金额应为数字（单位为元）"),
    ("amount", "NaN", "金额应为数字（单位为元）"), ("amount", "Infinity", "金额应为数字（单位为元）"),
    ("code", "123", "统一社会信用代码应为 18 位数字或大写字母"), ("key", "short", "客户端编号格式不对"),
    ("version", None, "请填写版本号（version）"),
])
def test_each_field_says_in_chinese_what_is_wrong(field, value, words):
    with pytest.raises(ValidationError) as refused:
        Sample().load({**GOOD, field: value})
    assert list(refused.value.messages) == [field]
    assert refused.value.messages[field][0].startswith(words)


def test_a_body_that_is_not_an_object_is_refused_in_chinese():
    with pytest.raises(ValidationError) as refused:
        Sample().load([1, 2])
    assert refused.value.messages == {"_schema": ["请求内容须为 JSON 对象"]}
