"""Demo data for `make run` and `make seed`: two tenants with operators, clients, promos and
appeals in mixed states with their message history (see DESIGN.md).

python -m devtools.seed            # load the demo data when the database has no tenants
python -m devtools.seed --reset    # wipe every tenant and load the demo data again
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from uuid import UUID

import psycopg

from devtools import datafactory, seed_media
from shared.core import secret_values


@dataclass(frozen=True)
class DemoOperator:
    login: str
    password: str
    name: str


@dataclass(frozen=True)
class DemoAppeal:
    """An appeal ``age_min`` minutes old; ``holder`` is an operator's login; ``messages`` are
    (direction, text) with 'out' ones sent by the holder."""

    client: tuple[int, str, str | None]  # the client's id on the channel (Telegram: telegram_id), name, phone
    status: str
    age_min: int
    messages: tuple[tuple[str, str], ...]
    holder: str | None = None
    reject_reason: str | None = None
    normalized: dict[str, str] | None = None
    notes: tuple[str, ...] = ()  # internal notes by the holder
    read_by: tuple[tuple[str, int], ...] = ()  # (login, how many client messages they have read)
    channel: str = "telegram"


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    name: str
    webhook_secret: str
    operators: tuple[DemoOperator, ...]
    promos: tuple[tuple[str, str], ...] = ()
    appeals: tuple[DemoAppeal, ...] = ()
    quick_replies: tuple[tuple[str, str], ...] = ()


DEMO_TENANTS = (
    DemoTenant(
        "demo",
        "Demo Battery Shop",
        "demo-telegram-secret",
        (
            DemoOperator("anna@demo.test", "demo-pass-anna", "Anna Petrova"),
            DemoOperator("boris@demo.test", "demo-pass-boris", "Boris Ivanov"),
        ),
        promos=(
            ("Winter check", "Бесплатная проверка аккумулятора до конца зимы! Приезжайте: ул. Ленина, 1."),
            ("Trade-in", "Сдайте старый аккумулятор и получите скидку 1 000 ₽ на новый."),
        ),
        appeals=(
            DemoAppeal(
                (700000001, "Ivan", None),
                "new",
                3,
                (("in", "Здравствуйте, нужен аккумулятор на Kia Rio 2017"),),
            ),
            DemoAppeal(
                (700000002, "Maria Sokolova", None),
                "new",
                15,
                (("in", "Сколько стоит Varta Blue 74Ah?"), ("in", "И есть ли доставка?")),
            ),
            DemoAppeal(
                (700000003, "Sergey", "+79161234567"),
                "new",
                42,
                (("in", "Машина не заводится, можно приехать на диагностику?"),),
            ),
            DemoAppeal(  # from VK; the same phone as Sergey's Telegram appeal: the detail links them
                (512000001, "Ольга Смирнова", "+79161234567"),
                "new",
                25,
                (("in", "Добрый день! Есть в наличии аккумулятор 60 Ач на Ладу Весту?"),),
                channel="vk",
            ),
            DemoAppeal(  # from MAX (the bot's dialog)
                (71000001, "Ирина Соколова", None),
                "new",
                8,
                (("in", "Здравствуйте! Нужен аккумулятор на Lada Granta, есть 60 Ач? Подъеду сегодня после шести."),),
                channel="max",
            ),
            DemoAppeal(
                (700000004, "Olga K", None),
                "in_progress",
                90,
                (
                    ("in", "Нужен аккумулятор 60Ah для Hyundai Solaris"),
                    ("out", "Добрый день! Есть Varta и Bosch 60Ah, от 7 900 ₽. Какой удобнее?"),
                    ("in", "Bosch, пожалуйста"),
                ),
                holder="anna@demo.test",
                read_by=(("anna@demo.test", 1),),  # Anna has not seen "Bosch, пожалуйста" yet
            ),
            DemoAppeal(
                (700000005, "Dmitry", "+79031112233"),
                "in_progress",
                180,
                (("in", "Заберёте старый аккумулятор?"), ("out", "Да, при покупке нового — бесплатно.")),
                holder="boris@demo.test",
                read_by=(("boris@demo.test", 1),),
            ),
            DemoAppeal(  # transferred: Anna handed it to Boris
                (700000008, "Alexey", "+79035550011"),
                "in_progress",
                240,
                (("in", "Нужен аккумулятор 190Ah на КамАЗ"), ("in", "Счёт на юрлицо выставите?")),
                holder="boris@demo.test",
                notes=("Transferred from Anna: a truck battery and an invoice for a company, Boris handles those.",),
            ),
            DemoAppeal(  # reopened: closed yesterday, the client wrote again
                (700000009, "Kirill", None),
                "in_progress",
                60 * 20,
                (
                    ("in", "Покупал аккумулятор на прошлой неделе"),
                    ("out", "Спасибо за покупку! Обращайтесь."),
                    ("in", "Он снова садится за ночь, можно проверить?"),
                ),
                holder="anna@demo.test",
                notes=("Reopened: the client wrote again the day after the close. Check the alternator.",),
            ),
            DemoAppeal(
                (700000006, "Elena Volkova", "+79265554433"),
                "closed",
                60 * 26,
                (
                    ("in", "Здравствуйте! Подойдёт ли Mutlu 55Ah на Lada Vesta?"),
                    ("out", "Да, подойдёт. Цена 6 200 ₽, есть в наличии."),
                    ("in", "Спасибо, заеду завтра"),
                ),
                holder="anna@demo.test",
                notes=("Sold a Mutlu 55Ah, installed on site.",),
                normalized={
                    "client_name": "Elena Volkova",
                    "phone": "+79265554433",
                    "car_model": "Lada Vesta",
                    "battery_model": "Mutlu 55Ah",
                },
            ),
            DemoAppeal(
                (700000007, "promo bot", None),
                "rejected",
                60 * 30,
                (("in", "Продвижение вашего бизнеса в соцсетях!"),),
                holder="boris@demo.test",
                reject_reason="Spam",
            ),
        ),
        quick_replies=(
            ("Hello", "Здравствуйте! Чем можем помочь?"),
            ("Opening hours", "Мы работаем ежедневно, 9:00-20:00, ул. Ленина, 1."),
            ("Delivery", "Доставим и установим аккумулятор в день заказа, доставка по городу бесплатно."),
            ("Trade-in", "При покупке нового аккумулятора старый принимаем в зачёт: скидка 1 000 ₽."),
        ),
    ),
    DemoTenant(
        "other",
        "Other Battery Shop",
        "other-telegram-secret",
        (DemoOperator("olga@other.test", "demo-pass-olga", "Olga Smirnova"),),
        promos=(("Spring sale", "Весенняя распродажа: -10% на все аккумуляторы Bosch."),),
        appeals=(
            DemoAppeal((800000001, "Pavel", None), "new", 5, (("in", "Есть аккумулятор на Toyota Camry?"),)),
            DemoAppeal((800000002, "Anton", None), "new", 25, (("in", "Работаете в воскресенье?"),)),
            DemoAppeal((800000003, "Nina", None), "new", 50, (("in", "Нужна зарядка аккумулятора"),)),
            DemoAppeal(
                (800000004, "Igor", "+79107776655"),
                "in_progress",
                120,
                (("in", "Аккумулятор 90Ah для Ford Transit"), ("out", "Есть Varta 95Ah за 12 500 ₽.")),
                holder="olga@other.test",
            ),
            DemoAppeal(
                (800000005, "Vera", None),
                "closed",
                60 * 48,
                (("in", "Спасибо за помощь!"), ("out", "Обращайтесь!")),
                holder="olga@other.test",
            ),
            DemoAppeal(
                (800000006, "Spammer", None),
                "rejected",
                60 * 72,
                (("in", "Купите базу клиентов"),),
                holder="olga@other.test",
                reject_reason="Spam",
            ),
        ),
    ),
)


def has_tenants(conn: psycopg.Connection[tuple[object, ...]]) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM tenants)").fetchone() == (True,)


def wipe(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'"
        )
    ]
    conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")


def load(conn: psycopg.Connection[tuple[object, ...]]) -> dict[str, UUID]:
    """Insert the demo tenants, operators, promos, clients and appeals; returns tenant ids by slug."""
    tenant_ids: dict[str, UUID] = {}
    for tenant in DEMO_TENANTS:
        tenant_id = datafactory.tenant(
            conn,
            slug=tenant.slug,
            name=tenant.name,
            webhook_secret=tenant.webhook_secret,
            bot_token_ref="plain:demo-bot-token",  # noqa: S106  (a demo token, not a secret)
        )
        tenant_ids[tenant.slug] = tenant_id
        operator_ids = {
            op.login: datafactory.operator(conn, tenant_id, login=op.login, name=op.name, password=op.password)
            for op in tenant.operators
        }
        for title, text in tenant.promos:
            datafactory.promo(conn, tenant_id, title=title, text=text)
        for title, text in tenant.quick_replies:
            datafactory.quick_reply(conn, tenant_id, title=title, text=text)
        for appeal in tenant.appeals:
            appeal_id = _load_appeal(conn, tenant_id, appeal, operator_ids.get(appeal.holder or ""))
            for login, seq in appeal.read_by:
                datafactory.read_mark(conn, tenant_id, appeal_id, operator_ids[login], seq)
        if tenant.slug == "demo":
            seed_media.load(conn, tenant_id)  # a photo, a voice message and a contact
            datafactory.channel_account(  # VK (a demo community, not a real one)
                conn,
                tenant_id,
                "vk",
                secret="demo-vk-secret",  # noqa: S106  (demo values, not secrets)
                token_ref="plain:demo-vk-token",  # noqa: S106
                settings={"group_id": "229000111", "confirmation": "demo-vk-confirm"},
            )
            datafactory.channel_account(  # MAX (a demo bot, not a real one)
                conn,
                tenant_id,
                "max",
                secret="demo-max-secret",  # noqa: S106  (demo values, not secrets)
                token_ref="plain:demo-max-token",  # noqa: S106
                settings={},
            )
    return tenant_ids


def _load_appeal(
    conn: psycopg.Connection[tuple[object, ...]], tenant_id: UUID, appeal: DemoAppeal, holder: UUID | None
) -> UUID:
    user_id, name, phone = appeal.client
    telegram = appeal.channel == "telegram"
    client_id = datafactory.client(
        conn,
        tenant_id,
        telegram_id=user_id if telegram else None,
        name=name,
        phone=phone,
        age_min=appeal.age_min,
        channel=appeal.channel,
        external_id=None if telegram else str(user_id),
    )
    messages = [
        datafactory.Message(direction, text, age_min=appeal.age_min - i)
        for i, (direction, text) in enumerate(appeal.messages)
    ]
    notes = [datafactory.Message("note", text, age_min=0) for text in appeal.notes]
    appeal_id, _ = datafactory.appeal(
        conn,
        tenant_id,
        client_id,
        messages + notes,
        status=appeal.status,
        holder=holder,
        reject_reason=appeal.reject_reason,
        normalized=appeal.normalized,
        age_min=appeal.age_min,
        updated_age_min=max(0, appeal.age_min - len(appeal.messages)),
    )
    return appeal_id


def seed(url: str, *, reset: bool = False) -> bool:
    """Load demo data if the database has no tenants (or always, after wiping, with ``reset``)."""
    with psycopg.connect(url) as conn:
        if reset:
            wipe(conn)
        elif has_tenants(conn):
            return False
        load(conn)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reset", action="store_true", help="wipe all data first")
    args = parser.parse_args()
    loaded = seed(secret_values.database_url(), reset=args.reset)
    print("demo data loaded" if loaded else "database already has tenants; demo data left as it is")


if __name__ == "__main__":
    main()
