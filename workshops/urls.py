from django.urls import path

from . import views

app_name = "workshops"

urlpatterns = [
    path("", views.workshop_list, name="workshop_list"),
    path("new/", views.workshop_create, name="workshop_create"),
    path("<int:pk>/", views.workshop_detail, name="workshop_detail"),
    path("<int:pk>/edit/", views.workshop_edit, name="workshop_edit"),
    path("<int:pk>/status/", views.workshop_status, name="workshop_status"),
    path("<int:pk>/decide/", views.nomination_bulk, name="nomination_bulk"),
    path("<int:pk>/assessors/", views.workshop_assessors, name="workshop_assessors"),
    path("<int:pk>/assessors/assign/", views.assessor_assign, name="assessor_assign"),
    path("<int:pk>/assessors/<int:user_pk>/unassign/", views.assessor_unassign, name="assessor_unassign"),
    path("<int:pk>/conflicts/", views.conflict_declare, name="conflict_declare"),
    path("<int:pk>/nominate/", views.nomination_create, name="nomination_create"),
    path("nominations/", views.nomination_list, name="nomination_list"),
    path("nominations/<int:pk>/", views.nomination_detail, name="nomination_detail"),
    path("nominations/<int:pk>/decide/", views.nomination_decide, name="nomination_decide"),
    path("nominations/<int:pk>/prescreen/", views.nomination_prescreen, name="nomination_prescreen"),
    path("nominations/<int:pk>/withdraw/", views.nomination_withdraw, name="nomination_withdraw"),
    path("nominations/<int:pk>/attendance/", views.nomination_attendance, name="nomination_attendance"),
    path("nominations/<int:pk>/cv/", views.nomination_cv, name="nomination_cv"),
]
