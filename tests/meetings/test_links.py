import pytest
from django.template import engines
from django.urls import clear_script_prefix, set_script_prefix

NAMES = ["home", "meetings:list", "contacts:list", "accounts:logout", "join:by_id", "admin:index"]


def _render(source: str) -> str:
    return engines["django"].from_string(source).render({})


@pytest.mark.parametrize("name", NAMES)
def test_nav_url_is_the_url_tags_answer(name):
    assert _render(f"{{% load links %}}{{% nav_url '{name}' %}}") == _render(
        f"{{% url '{name}' %}}"
    )


def test_nav_url_follows_the_script_prefix():
    set_script_prefix("/meet/")
    try:
        assert _render("{% load links %}{% nav_url 'meetings:list' %}") == "/meet/meetings/"
    finally:
        clear_script_prefix()
    assert _render("{% load links %}{% nav_url 'meetings:list' %}") == "/meetings/"
