"""The one set of fictional citizens, companies and form values every dev tool uses.

The intake server's demo records, the rig's generated journeys and the screenshot tour all take
their sample data from here, so a lookup in a rig scenario finds what the tour typed. Every value
is obviously fictional: the GB 11643 example ID number, a test-pattern phone number, made-up
company names; the check digits are valid so the validators in kiosk.validators accept them.
"""

from __future__ import annotations

# The simulator's card holder (GB 11643's example number) holds two e-certificates and is the
# legal representative of one company.
DEMO_HOLDER = "11010519491231002X"
DEMO_CREDIT_CODE = "91350100M000100Y43"
DEMO_ENTERPRISE = {
    "name": "示例科技有限公司",
    "type": "有限责任公司（自然人投资或控股）",
    "legal_representative": "测试样例",
    "registered_capital": "壹佰万元整",
    "established_on": "2020年07月01日",
    "term": "2020年07月01日至长期",
    "address": "示例市示例区示例路1号",
    "scope": "技术服务、技术开发、技术咨询；软件开发。",
}
DEMO_CERTIFICATES = (
    ("DEMO-1", "degree", "学士学位证书（示例）", "2020-07-01", None),
    ("DEMO-2", "marriage", "结婚证（示例）", "2022-05-20", None),
)

# Sample values per validator (or field type), valid for kiosk.validators (check digits too).
FIELD_VALUES: dict[str, str] = {
    "name": "张示例",
    "phone": "13800138000",
    "id_number": DEMO_HOLDER,
    "credit_code": DEMO_CREDIT_CODE,
    "postal_code": "100000",
    "number": "2",
    "money": "100",
    "date": "2026-01-15",
    "text": "示例申请事项",
    "textarea": "这是测试用的示例说明，内容虚构。",
}
INVALID_PHONE = "1234"
# What the tour's stand-in for the intake answers to the licence self-print lookup.
DEMO_ENTERPRISES = [
    {"credit_code": DEMO_CREDIT_CODE, "name": "示例科技有限公司"},
    {"credit_code": "91350100MA00000002", "name": "样例贸易有限公司"},
]
# Courier recipient (广州市天河区: a real district, no one's real address).
COURIER_SAMPLE = {
    "courier_recipient": "张示例",
    "courier_phone": "13800138000",
    "courier_detail": "示例路1号示例大厦101室",
}
COURIER_REGION = ("440000", "440100", "440106")
SECOND_SHAREHOLDER_ID = "110105198001010016"  # made up, with a valid check character
HELP_SAMPLE = "小区路灯坏了一周，晚上出行不便，请协调维修。"
