"""Whose address a training is queued under: the forwarded one only from a proxy on this host, else the socket's."""

from streamlit.testing.v1 import AppTest

from lstm_core.ui.training_session import client_address


def test_a_remote_peer_is_the_address_whatever_header_it_sends():
    assert client_address("192.168.1.23", []) == "192.168.1.23"
    assert client_address("192.168.1.23", ["10.9.9.9"]) == "192.168.1.23"  # a learner's own header is ignored
    assert client_address("2001:db8::7", ["10.9.9.9, 10.9.9.8"]) == "2001:db8::7"


def test_behind_a_proxy_on_this_host_the_rightmost_forwarded_entry_is_the_address():
    # Streamlit reports a loopback peer as None; a peer named 127.0.0.1 or ::1 is loopback too.
    for peer in (None, "127.0.0.1", "::1", "127.0.0.2"):
        assert client_address(peer, ["192.168.1.23"]) == "192.168.1.23"
        # A learner who sends their own X-Forwarded-For gets HAProxy's entry appended: that one counts.
        assert client_address(peer, ["10.9.9.9, 192.168.1.23"]) == "192.168.1.23"
        assert client_address(peer, ["10.9.9.9", "192.168.1.24"]) == "192.168.1.24"


def test_this_machine_itself_or_no_known_address_gives_none_so_each_session_is_its_own():
    assert client_address(None, []) is None  # Streamlit's AppTest, or a browser on the server without a proxy
    assert client_address("127.0.0.1", []) is None
    assert client_address(None, ["192.168.1.23, 127.0.0.1"]) is None  # a browser on the server, through HAProxy
    assert client_address(None, ["  ,  "]) is None


def _queue_address():
    import streamlit as st

    from lstm_core.ui.training_session import session_address

    st.write(f"address={session_address()!r}")


def test_a_session_without_a_connection_has_no_address():
    script = AppTest.from_function(_queue_address).run()
    assert not script.exception
    assert [element.value for element in script.markdown] == ["address=None"]
