import io
from zoneinfo import ZoneInfo

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

    # As a phone's camera reads it: as a QR code. Scanning for every format can also
    # read a row of the QR's modules as a short 1D barcode, which no phone would offer.
    codes = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(shot)), formats=zxingcpp.BarcodeFormat.QRCode
    )
    assert [code.text for code in codes] == [f"{live_server.url}/join/{meeting.invitation_token}/"]
    assert browser_log.errors == []


def test_copied_invitation_reads_like_a_meeting_invitation(
    host_page, user, meeting, live_server, browser_log
):
    dialog = _open_share_dialog(host_page, meeting)

    dialog.get_by_role("button", name="Copy invitation").click()

    expect(dialog.get_by_role("status")).to_have_text("Copied to the clipboard.")
    local = meeting.starts_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert host_page.evaluate("navigator.clipboard.readText()") == (
        f"{user.display_name} invites you to a meeting.\n"
        "\n"
        "Topic: Weekly sync\n"
        f"Time: {local:%A}, {local.day} {local:%B %Y, %H:%M} Europe/Berlin (UTC{local:%z})\n"
        "\n"
        "Join the meeting:\n"
        f"{live_server.url}/join/{meeting.invitation_token}/\n"
        "\n"
        f"Meeting ID: {meeting.formatted_meeting_id}\n"
        "Passcode: 012345"
    )
    assert browser_log.errors == []
