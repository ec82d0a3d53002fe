import io

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def _open_share_dialog(page, meeting):
    page.goto(f"/meetings/{meeting.meeting_id}/")
    page.get_by_role("button", name="Share", exact=True).click()
    dialog = page.locator("dialog#share-dialog")
    expect(dialog).to_be_visible()
    return dialog


def test_qr_code_in_the_share_dialog_scans_back_to_the_share_link(
    host_page, meeting, live_server, browser_log
):
    dialog = _open_share_dialog(host_page, meeting)

    shot = dialog.locator("figure.qr svg").screenshot()

    codes = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))
    assert [code.text for code in codes] == [f"{live_server.url}/join/{meeting.invitation_token}/"]
    assert browser_log.errors == []
