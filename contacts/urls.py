from django.urls import path

from contacts import views

app_name = "contacts"

urlpatterns = [
    path("", views.contact_list, name="list"),
    path("new/", views.contact_form, name="create"),
    path("<int:pk>/edit/", views.contact_form, name="edit"),
    path("<int:pk>/delete/", views.contact_delete, name="delete"),
    path("import/", views.contact_import, name="import"),
    path("import/confirm/", views.contact_import_confirm, name="import_confirm"),
    path("export.csv", views.contact_export, name="export"),
    path("search/", views.contact_search, name="search"),
]
