from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Renders every field's `as_field_group` through the project's one field template.

    Through the project's template engine, so that templates/ can hold it.
    """

    field_template_name = "forms/field.html"
