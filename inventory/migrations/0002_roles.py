"""Create the four role groups. Their permissions are set by `inventory.roles.roles_sync`,
which runs after every migrate so that models added later join the right roles."""

from django.db import migrations

ROLE_NAMES = ("Owner", "Accountant", "Shop manager", "Cashier")


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_NAMES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
