"""The console in a real browser against a real gateway (and, for the lifecycle, real
workers): buyer, merchant, staff and operator pages, as each person would use them."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
from playwright.sync_api import Locator

from pipeline.adapters.s3 import make_s3_client
from pipeline.processes import Fleet
from pipeline.settings import Settings
from tests.acceptance.conftest import fleet_env
from tests.api_server import serving
from tests.browser.conftest import Person
from tests.factories import JPEG, complaint_payload
from tests.inline import drain_outbox
from workers.runtime import bound

pytestmark = pytest.mark.browser

INGEST = {"Authorization": "Bearer ingest-token-0123456789"}
PAYMENTS = {"Authorization": "Bearer platform-token-01234567"}
SignIn = Callable[..., Person]


@pytest.fixture
def gateway(settings: Settings) -> Iterator[str]:
    with serving(settings) as url:
        yield url


def status_of(settings: Settings, cid: str) -> str:
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute("SELECT status::text FROM complaints WHERE id = %s", (cid,)).fetchone()
    return str(row[0]) if row else "missing"


def wait_status(settings: Settings, cid: str, want: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while (now := status_of(settings, cid)) != want:
        assert time.monotonic() < deadline, f"{cid} stayed {now}, expected {want}"
        time.sleep(0.2)


def fill(form: Locator, **fields: str) -> None:
    for name, value in fields.items():
        target = form.locator(f'[name="{name}"]')
        if target.evaluate("e => e.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)


def act(person: Person, action: str, keyboard: bool = False, **fields: str) -> None:
    """Fill and send the form of one action on the complaint page (with the mouse, or by
    keyboard: focus the button, press Enter), and wait for the page to show the complaint
    again and say the action was done."""
    form = person.page.locator(f'form[data-action="{action}"]')
    fill(form, **fields)
    button = form.locator("button[type=submit]")
    label = button.inner_text()
    if keyboard:
        button.focus()
        person.page.keyboard.press("Enter")
    else:
        button.click()
    person.page.locator("#flash .ok", has_text=f"已完成：{label}").wait_for()


def shows_status(person: Person, status: str) -> None:
    person.page.wait_for_selector(f'.badge[data-status="{status}"]')


def test_a_complaint_through_its_lifecycle_in_the_browser(
    settings: Settings, gateway: str, sign_in: SignIn, tmp_path: Any
) -> None:
    fleet = Fleet(env=fleet_env(settings), log_dir=tmp_path / "logs", processes=1, threads=4)
    fleet.start_workers()
    fleet.start_relay()
    try:
        _lifecycle(settings, gateway, sign_in)
    finally:
        fleet.stop()


PHOTO_JS = """() => {
  const c = document.createElement("canvas"); c.width = 320; c.height = 200;
  const g = c.getContext("2d");
  g.fillStyle = "#c9a36b"; g.fillRect(0, 0, 320, 200);
  g.strokeStyle = "#5a3d1a"; g.lineWidth = 6;
  g.beginPath(); g.moveTo(60, 30); g.lineTo(170, 110); g.lineTo(130, 180); g.stroke();
  return c.toDataURL("image/jpeg", 0.9);
}"""


def photo(person: Person) -> bytes:
    """A real JPEG (a torn box), drawn by the browser itself."""
    return base64.b64decode(person.page.evaluate(PHOTO_JS).split(",", 1)[1])


def _lifecycle(settings: Settings, gateway: str, sign_in: SignIn) -> None:
    buyer = sign_in(gateway, "buyer", "b_1")
    buyer.page.wait_for_selector("h1")
    buyer.shot("buyer-complaints-empty")
    buyer.page.get_by_role("link", name="发起投诉").first.click()
    paid = (datetime.now() - timedelta(days=4)).strftime("%Y-%m-%dT%H:%M")
    delivered = (datetime.now() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    form = buyer.page.locator("form")
    form.locator("[name=merchant_id]").fill("m_1")
    form.locator("[name=order_id]").fill("o_1001")
    form.locator("[name=amount]").fill("199.00")
    form.locator("[name=paid_at]").fill(paid)
    form.locator("[name=delivered_at]").fill(delivered)
    form.locator("[name=category]").select_option("logistics")
    form.locator("[name=title]").fill("快递外箱破损，商品压坏")
    form.locator("[name=description]").fill("收到时外箱破损，台灯灯罩裂开，附开箱照片。")
    form.locator("[name=requested_remedy]").select_option("refund")
    form.locator("[name=claimed]").fill("80.00")
    form.locator("[name=kind]").select_option("photo")
    form.locator("[name=files]").set_input_files(
        {"name": "开箱.jpg", "mimeType": "image/jpeg", "buffer": photo(buyer)}
    )
    buyer.shot("buyer-file-form")
    # The photo goes straight from the browser to S3 (another origin) by the presigned PUT.
    with buyer.page.expect_response(
        lambda r: r.request.method == "PUT" and r.url.startswith(settings.s3_endpoint)
    ) as put:
        form.locator("button[type=submit]").click()
    assert put.value.status == 200
    assert f"/{settings.s3_bucket}/evidence/b_1/" in put.value.url
    buyer.page.wait_for_url("**/console/#/c/*")
    cid = buyer.page.url.rsplit("/", 1)[1]
    wait_status(settings, cid, "awaiting_merchant")
    buyer.page.reload()
    shows_status(buyer, "awaiting_merchant")
    buyer.shot("buyer-complaint")
    buyer.page.get_by_role("link", name="我的投诉").click()
    mine = buyer.page.get_by_role("row", name="快递外箱破损，商品压坏")
    assert "待商家处理" in mine.inner_text() and "还剩" in mine.inner_text()
    buyer.shot("buyer-complaints")

    merchant = sign_in(gateway, "merchant", "m_1")
    inbox = merchant.page.locator("table").first  # waiting on you, by deadline
    inbox.get_by_role("link", name="快递外箱破损，商品压坏").wait_for()
    assert "还剩" in inbox.inner_text()
    merchant.shot("merchant-inbox")
    inbox.get_by_role("link", name="快递外箱破损，商品压坏").click()
    merchant.page.get_by_role("button", name="查看").click()
    merchant.page.wait_for_selector("img.evidence")
    # The buyer's photo, fetched by the merchant's browser with a presigned GET from S3.
    merchant.page.wait_for_function("document.querySelector('img.evidence').naturalWidth == 320")
    merchant.shot("merchant-complaint")
    # More time: the merchant asks for it, the buyer grants it.
    act(
        merchant,
        "merchant.request_extension",
        hours="24",
        text="仓库盘点中，需要一天核实破损情况。",
    )
    buyer.page.get_by_role("link", name="快递外箱破损，商品压坏").click()
    buyer.page.get_by_text("仓库盘点中").wait_for()  # the request, on the timeline
    act(buyer, "buyer.grant_extension")
    buyer.page.get_by_text("已同意延期").wait_for()
    buyer.shot("buyer-extension-granted")

    merchant.page.reload()
    act(merchant, "merchant.accept", remedy_type="refund", amount="30.00")
    shows_status(merchant, "merchant_proposed")
    # The buyer counters; the merchant will not go that far: arbitration.
    buyer.page.reload()
    shows_status(buyer, "merchant_proposed")
    act(buyer, "buyer.counter_offer", remedy_type="refund", amount="60.00")
    shows_status(buyer, "buyer_countered")
    buyer.shot("buyer-countered")
    merchant.page.reload()
    shows_status(merchant, "buyer_countered")
    act(merchant, "merchant.reject_counter")
    shows_status(merchant, "in_arbitration")

    staff = sign_in(gateway, "staff", "s_1", "review", "arbitrate")
    staff.page.wait_for_url("**/#/staff/arbitration")
    staff.page.locator(f'button[data-id="{cid}"]').wait_for()
    staff.shot("staff-arbitration-queue")
    staff.page.locator(f'button[data-id="{cid}"]').click()
    staff.page.wait_for_url(f"**/#/c/{cid}")
    staff.page.get_by_text("处理人：s_1").wait_for()
    staff.shot("staff-complaint")
    act(staff, "platform.decide", decision="partial", amount="50.00", rule="logistics_damage_4_2")
    shows_status(staff, "remedy_in_progress")

    merchant.page.reload()
    act(merchant, "merchant.remedy_executed")
    shows_status(merchant, "awaiting_settlement")
    # The payment system (an API client, not a page) answers the refund instruction.
    settled = httpx.post(
        f"{gateway}/v1/complaints/{cid}/actions",
        headers=PAYMENTS,
        json={
            "schema": "action.v1",
            "action": "platform.refund_settled",
            "actor": {"role": "platform", "id": "payments"},
            "idempotency_key": f"settle-{cid}",
            "settlement": {"reference": "pay-0001"},
        },
    )
    assert settled.status_code == 200, settled.text

    buyer.page.reload()
    shows_status(buyer, "resolved")
    act(buyer, "buyer.confirm", keyboard=True)
    shows_status(buyer, "closed")
    buyer.page.get_by_text("认可结果").first.wait_for()  # on the timeline
    buyer.shot("buyer-closed")
    assert status_of(settings, cid) == "closed"
    buyer.go("/console/#/buyer")
    buyer.page.get_by_role("link", name="快递外箱破损，商品压坏").wait_for()
    buyer.shot("buyer-complaints-closed")
    # From the top of a freshly loaded page, Tab reaches the skip link; Enter moves focus to
    # the page and keeps the route.
    url = buyer.page.url
    buyer.page.reload()
    buyer.page.get_by_role("link", name="快递外箱破损，商品压坏").wait_for()
    buyer.page.keyboard.press("Tab")
    assert buyer.page.evaluate("document.activeElement.className") == "skip"
    buyer.page.keyboard.press("Enter")
    assert buyer.page.evaluate("document.activeElement.id") == "view"
    assert buyer.page.url == url
    merchant.go("/console/#/merchant/scorecard")
    merchant.page.wait_for_selector(".fact")
    merchant.shot("merchant-scorecard")


def test_an_operator_replays_a_dead_letter_from_the_page(
    settings: Settings, gateway: str, sign_in: SignIn
) -> None:
    from tests.integration.test_console_api import dead_letter

    letter, _ = dead_letter(settings)
    operator = sign_in(gateway, "staff", "ops_1", "operate")
    operator.page.wait_for_url("**/#/ops")
    row = operator.page.locator(f'tr[data-letter="{letter}"]')
    assert "ValueError: the notifier said no" in row.inner_text()
    operator.shot("ops")
    row.get_by_role("button", name="重放").click()
    operator.page.locator(f'tr[data-letter="{letter}"]', has_text="已重放").wait_for()
    with psycopg.connect(settings.database_url) as conn:
        done = conn.execute(
            "SELECT replayed_at IS NOT NULL FROM dead_letters WHERE id = %s", (letter,)
        ).fetchone()
    assert done == (True,)
    # The page refreshes on its own: a letter dead after it loaded turns up without a reload.
    later, _ = dead_letter(settings, "review")
    operator.page.locator(f'tr[data-letter="{later}"]').wait_for(timeout=15_000)
    operator.page.get_by_role("button", name="English").click()
    operator.page.get_by_role("heading", name="Dead letters").wait_for()
    operator.shot("ops-en")


def test_merchant_m_1_never_sees_m_2s_complaints(
    settings: Settings, gateway: str, sign_in: SignIn
) -> None:
    ids = {}
    with httpx.Client(base_url=gateway, headers=INGEST) as api:
        for merchant in ("m_1", "m_2"):
            body = complaint_payload(
                external_id=f"iso-{merchant}", merchant_id=merchant, title=f"给 {merchant} 的投诉"
            )
            body["evidence"] = []
            body["category"] = "other"
            r = api.post("/v1/complaints", json=body)
            assert r.status_code == 202, r.text
            ids[merchant] = r.json()["id"]
    m1 = sign_in(gateway, "merchant", "m_1", handoff=True)
    assert "access_token" not in m1.page.url
    m1.page.get_by_role("link", name="给 m_1 的投诉").wait_for()
    pages = ["/console/#/merchant", "/console/#/merchant/scorecard", f"/console/#/c/{ids['m_1']}"]
    for path in pages:
        m1.go(path)
        m1.page.wait_for_selector("main h1")
        assert "m_2" not in m1.page.locator("main").inner_text(), path
    # Asking for m_2's complaint by its id: the gateway answers 404, the page says so.
    m1.expect_problem(rf"(HTTP 404: GET .*/v1/complaints/{ids['m_2']})|(404 \(Not Found\))")
    m1.go(f"/console/#/c/{ids['m_2']}")
    m1.page.get_by_role("heading", name="未找到").wait_for()
    m1.page.get_by_text(f"投诉 {ids['m_2']} 不存在").wait_for()
    assert "给 m_2 的投诉" not in m1.page.content()
    m1.shot("merchant-other-complaint-404")


def test_staff_decide_a_case_lift_supervision_and_a_return_comes_back(
    settings: Settings, gateway: str, sign_in: SignIn
) -> None:
    """The staff pages for cases and supervised merchants, and the return flow a case's
    decision starts: the buyer ships, the merchant confirms receipt. The pipeline's steps
    run in-process between the pages (the lifecycle test runs real workers)."""
    from tests.integration.test_cases import payload, submit
    from tests.parties import fire, forwarded

    with bound(settings), httpx.Client(base_url=gateway, timeout=30) as api:
        make_s3_client(settings).put_object(
            Bucket=settings.s3_bucket, Key="evidence/b_10293/9f2c.jpg", Body=JPEG
        )
        for n in range(3):  # m_9 misses three answer deadlines: supervision
            forwarded(api, settings, 90 + n, merchant_id="m_9")
        assert fire(settings, 73)[0] >= 3
        items = [payload(settings, n, title=f"显示器坏点（第 {n + 1} 台）") for n in range(5)]
        ids = submit(api, settings, *items)  # five of one product: a case
        _case_and_supervision(settings, gateway, sign_in, ids)


def _case_and_supervision(
    settings: Settings, gateway: str, sign_in: SignIn, ids: list[str]
) -> None:
    staff = sign_in(gateway, "staff", "s_2", "arbitrate", "supervise")
    staff.page.get_by_role("link", name="批量投诉").click()
    case = staff.page.locator("tr[data-case]")
    assert "m_552" in case.inner_text() and "sku:sku-7-red" in case.inner_text()
    staff.shot("staff-cases")
    case.get_by_role("link").click()
    for n in range(5):
        staff.page.get_by_role("link", name=f"显示器坏点（第 {n + 1} 台）").wait_for()
    form = staff.page.locator("#case-decision")
    fill(form, decision="buyer_wins", amount="129.00", remedy_type="return_and_refund")
    fill(form, rule="batch_quality_7_1")
    staff.shot("staff-case")
    form.locator("button[type=submit]").focus()  # by keyboard
    staff.page.keyboard.press("Enter")
    staff.page.locator("#flash .ok", has_text="裁决已发往 5 件投诉").wait_for()
    assert "batch_quality_7_1" in staff.page.locator("#case-decisions").inner_text()
    assert staff.page.locator("#case-decision").count() == 0  # decided: no second form
    drain_outbox(settings)  # each complaint takes the decision; the goods come back first
    for cid in ids:
        assert status_of(settings, cid) == "awaiting_return"
    staff.page.get_by_role("link", name="显示器坏点（第 1 台）").click()
    shows_status(staff, "awaiting_return")
    staff.page.get_by_text("支持买家 ¥129.00 (退货退款)").wait_for()
    staff.page.get_by_role("link", name="本投诉属于一个批量投诉案件").wait_for()

    buyer = sign_in(gateway, "buyer", "b_0")
    buyer.page.get_by_role("link", name="显示器坏点（第 1 台）").click()
    shows_status(buyer, "awaiting_return")
    act(buyer, "buyer.ship_return", carrier="顺丰速运", tracking_number="SF1234567890")
    shows_status(buyer, "return_in_transit")
    buyer.shot("buyer-return-shipped")
    merchant = sign_in(gateway, "merchant", "m_552")
    merchant.go(f"/console/#/c/{ids[0]}")
    shows_status(merchant, "return_in_transit")
    merchant.page.get_by_text("SF1234567890").wait_for()  # the tracking number, on the timeline
    act(merchant, "merchant.confirm_receipt")
    shows_status(merchant, "remedy_in_progress")
    merchant.shot("merchant-return-received")

    staff.page.get_by_role("link", name="监管商家").click()
    row = staff.page.locator('tr[data-merchant="m_9"]')
    assert "扣 3 分" in row.inner_text() and "超时未答复 × 3" in row.inner_text()
    staff.shot("staff-supervision")
    row.locator('[name="text"]').fill("商家已整改，提前解除")
    row.get_by_role("button", name="解除商家 m_9 的监管").click()
    staff.page.locator("#flash .ok", has_text="已解除商家 m_9 的监管").wait_for()
    assert staff.page.locator('tr[data-merchant="m_9"]').count() == 0
    staff.page.get_by_role("button", name="English").click()
    staff.page.get_by_role("heading", name="Supervised merchants").wait_for()
    with psycopg.connect(settings.database_url) as conn:
        lifted = conn.execute(
            "SELECT lifted_by FROM merchant_supervision WHERE merchant_id = 'm_9'"
        ).fetchone()
    assert lifted == ("s_2",)
