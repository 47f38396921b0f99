//! The demo's cast and what each customer writes. Two small businesses on ChatApp:
//! a bakery in Lisbon (one channel, one WABA) and a bike-repair shop (another channel with a
//! Bangkok and a Tokyo WABA). Everything here is invented; coordinates are real places.

use super::model::{
    Bsuid, Business, Card, Content, Conversation, Customer, Form, IdStyle, ago, line, text,
};
use crate::media::assets;

pub(super) static BAKERY: Business = Business {
    cust_space_id: "cams-5bq81x0ckd2mz",
    waba_id: "104857362910384",
    number: "351912000100",
    form: Form::Encoded,
};

pub(super) static BIKES_BANGKOK: Business = Business {
    cust_space_id: "cams-9tw3e6v1rbk0p",
    waba_id: "115320987654321",
    number: "66812000200",
    form: Form::Object,
};

pub(super) static BIKES_TOKYO: Business = Business {
    cust_space_id: "cams-9tw3e6v1rbk0p",
    waba_id: "120045678901234",
    number: "81345000300",
    form: Form::Object,
};

fn customer(
    number: &'static str,
    display_name: &'static str,
    name: &'static str,
    business: &'static Business,
) -> Customer {
    Customer {
        number,
        display_name,
        name,
        business,
        plus: false,
        bsuid: None,
        notice_type: false,
        ids: IdStyle::Wamid,
    }
}

pub(super) fn conversations() -> Vec<Conversation> {
    vec![
        maria(),
        li_wei(),
        sara(),
        james(),
        prankster(),
        ana(),
        oliver(),
        joao(),
        somchai(),
        priya(),
        tom(),
        nattapong(),
        sakura(),
        wang_fang(),
        kenji(),
    ]
}

/// Brazilian customer ordering a birthday cake: photo, voice note, template reply, invoice.
fn maria() -> Conversation {
    Conversation {
        customer: customer("5511988881234", "Maria Santos", "maria.santos", &BAKERY),
        lines: vec![
            text(
                ago(6, 23, 45),
                "Oi! Vocês fazem bolo de aniversário personalizado? 🎂",
            ),
            // Nearly seven days old: its URL dies within the hour.
            line(
                ago(6, 23, 40),
                Content::Image {
                    asset: assets::CAKE_JPG,
                    caption: Some("Algo assim, com morangos 🍓"),
                },
            ),
            text(ago(6, 23, 38), "Para sábado, umas 15 pessoas"),
            text(ago(6, 22, 10), "Perfeito! Pode ser de 2 kg então"),
            line(
                ago(6, 21, 5),
                Content::Audio {
                    asset: assets::VOICE_NOTE_OGG,
                },
            ),
            text(
                ago(6, 21, 4),
                "Mandei um áudio com os detalhes (escrever \"Happy Birthday Leo\") 😊",
            ),
            line(
                ago(5, 10, 2),
                Content::Reply {
                    text: "Yes, confirm",
                    payload: "order_confirm_1042",
                },
            ),
            text(ago(5, 10, 1), "Obrigada!! 🙏🏽"),
            line(
                ago(1, 4, 30),
                Content::Document {
                    asset: assets::INVOICE_PDF,
                    name: "Invoice 2026-1042",
                },
            ),
            text(
                ago(1, 4, 28),
                "A fatura veio com 6 pastéis de nata, mas eu pedi só 2. Podem corrigir?",
            ),
            text(ago(1, 3, 15), "E o NIF está certo: 123456789"),
            text(ago(0, 20, 0), "Vocês abrem às 10h no sábado?"),
            line(
                ago(0, 2, 10),
                Content::Location {
                    latitude: "38.7107",
                    longitude: "-9.1366",
                    name: Some("Rua Augusta"),
                    address: Some("Rua Augusta 12, 1100-053 Lisboa"),
                },
            )
            .object(),
            text(ago(0, 2, 8), "Cheguei! Estou na porta 🚗"),
            line(
                ago(0, 1, 30),
                Content::Reaction {
                    emoji: "❤️",
                    to_message_id: "wamid.HBgMMzUxOTEyMDAwMTAwFQIAERgSQkFLRVJZX1RIQU5LU18xMDQyAA==",
                },
            ),
        ],
    }
}

/// Chinese customer: egg tarts, a payment screenshot (URL already expired), a delivery address.
fn li_wei() -> Conversation {
    Conversation {
        customer: customer("8613800138000", "李伟", "Li Wei", &BAKERY),
        lines: vec![
            text(ago(8, 6, 20), "你好，请问有蛋挞吗？想订 24 个，周五取。"),
            text(ago(8, 6, 18), "可以微信支付吗？还是只能刷卡？"),
            text(ago(8, 5, 40), "好的，我先转账定金"),
            // More than seven days old: the media URL has already expired.
            line(
                ago(8, 5, 35),
                Content::Image {
                    asset: assets::TRANSFER_PNG,
                    caption: Some("已转账，请查收 🙏"),
                },
            ),
            text(ago(8, 4, 0), "收到请回复一下，谢谢"),
            text(ago(7, 20, 0), "？？"),
            text(ago(7, 2, 30), "好的，谢谢！周五下午三点来取"),
            line(
                ago(3, 3, 12),
                Content::Location {
                    latitude: "38.7547",
                    longitude: "-9.1881",
                    name: Some("Centro Colombo"),
                    address: Some("Av. Lusíada, 1500-392 Lisboa"),
                },
            ),
            text(ago(3, 3, 10), "能送到这里吗？我在哥伦布购物中心上班"),
            text(ago(3, 1, 0), "运费多少钱？"),
            text(
                ago(2, 23, 0),
                "好，那就送货吧。地址：Av. Lusíada 1500-392，3楼前台",
            ),
            text(ago(0, 10, 0), "蛋挞太好吃了！同事们都说好 👍👍 下周再订"),
            text(ago(0, 9, 58), "对了，有没有无糖的款式？我妈妈血糖高"),
        ],
    }
}

/// Arabic (right-to-left) customer staying in a Lisbon hotel: allergy questions, a map sketch,
/// a contact card.
fn sara() -> Conversation {
    Conversation {
        customer: Customer {
            notice_type: true,
            ..customer("971501234567", "سارة", "Sara Al Mansouri", &BAKERY)
        },
        lines: vec![
            text(ago(4, 9, 30), "مرحبا، هل لديكم كعك بدون بيض؟"),
            text(ago(4, 9, 29), "ابني عنده حساسية من البيض والمكسرات"),
            text(ago(4, 8, 50), "ممتاز! أريد كعكة شوكولاتة صغيرة لستة أشخاص"),
            text(ago(4, 8, 49), "نحن في فندق في لشبونة، هل يمكن التوصيل؟"),
            line(
                ago(4, 8, 45),
                Content::Location {
                    latitude: "38.7145",
                    longitude: "-9.1412",
                    name: Some("Hotel Avenida Palace"),
                    address: Some("R. 1º de Dezembro 123, 1200-359 Lisboa"),
                },
            )
            .object(),
            line(
                ago(4, 7, 20),
                Content::Image {
                    asset: assets::SKETCH_PNG,
                    caption: None,
                },
            ),
            text(ago(4, 7, 19), "المدخل من الجانب، بجانب محطة روسيو"),
            line(ago(4, 6, 5), Content::Contacts(SARA_CARDS)),
            text(ago(4, 6, 4), "هذا رقم زوجي أحمد، اتصلوا به عند الوصول"),
            line(
                ago(3, 22, 0),
                Content::Reply {
                    text: "نعم، أكد الطلب",
                    payload: "order_confirm_1057",
                },
            ),
            text(
                ago(3, 20, 0),
                "شكرا جزيلا! 🌹 هل الطلب رقم #1057 جاهز؟ (Order 1057)",
            ),
            text(ago(2, 0, 30), "وصلت الكعكة، لذيذة جداً ❤️"),
        ],
    }
}

static SARA_CARDS: &[Card] = &[Card {
    formatted_name: "أحمد المنصوري",
    first_name: "أحمد",
    last_name: Some("المنصوري"),
    phones: &[("+971 50 765 4321", "CELL", Some("971507654321"))],
    email: None,
    company: None,
}];

/// English customer: a receipt photo, a long complaint with links, a contact card.
fn james() -> Conversation {
    Conversation {
        customer: customer("447700900123", "James O'Connor", "James", &BAKERY),
        lines: vec![
            text(
                ago(5, 2, 40),
                "Hi there, I popped in yesterday and bought a few things.",
            ),
            line(
                ago(5, 2, 38),
                Content::Image {
                    asset: assets::RECEIPT_JPG,
                    caption: Some("Here's the receipt – I think I was charged twice for the cake?"),
                },
            ),
            text(ago(5, 2, 30), JAMES_LONG),
            text(ago(5, 1, 5), "Just to add, it was the card ending 4412."),
            text(ago(4, 22, 0), "Any update? 🙂"),
            text(ago(4, 3, 0), "Brilliant, the refund showed up. Cheers! 👍"),
            text(
                ago(2, 5, 0),
                "Do you do gluten-free sourdough? My sister is coeliac. Your menu page (https://sweetcrumb.example/menu#gluten-free) doesn't say.",
            ),
            text(ago(2, 4, 10), "Great, I'll take 2 loaves for Thursday 🥖🥖"),
            text(
                ago(2, 4, 9),
                "Also what's the best way to reach you, this number or email?",
            ),
            line(ago(1, 2, 0), Content::Contacts(JAMES_CARDS)),
            text(
                ago(1, 1, 59),
                "That's my sister Emily, she'll pick them up 😊",
            ),
            text(
                ago(0, 6, 0),
                "Thanks again — *best* bakery in Lisbon, hands down 🇵🇹🥐",
            ),
        ],
    }
}

const JAMES_LONG: &str = "To explain properly: I paid by card at about 11:20 for a birthday cake, two pastéis de nata and a sourdough loaf (€39.50 in total).\n\nMy bank app now shows TWO charges of €32.00 from \"SWEET CRUMB LDA\" a minute apart, plus the €7.50, so €71.50 altogether. I've attached the paper receipt above, which only lists the cake once.\n\nI've opened a query with the bank but they asked me to check with the merchant first: https://www.example-bank.co.uk/disputes?ref=TX-88121&lang=en\n\nNo rush, I know it's a busy week — just let me know whether you can refund the duplicate or if I should go ahead with the dispute. Happy to pop by with the card if that helps.\n\nCheers,\nJames";

static JAMES_CARDS: &[Card] = &[Card {
    formatted_name: "Emily O'Connor",
    first_name: "Emily",
    last_name: Some("O'Connor"),
    phones: &[("+44 7700 900456", "CELL", Some("447700900456"))],
    email: Some("emily.oconnor@example.co.uk"),
    company: None,
}];

/// A prankster probing the inbox with markup: every one of these must show as literal text.
fn prankster() -> Conversation {
    Conversation {
        customer: customer(
            "15555550123",
            "<script>alert(\"name\")</script>",
            "xX_h4ck3r_Xx",
            &BAKERY,
        ),
        lines: vec![
            text(ago(3, 1, 10), "<b>bold?</b>"),
            text(ago(3, 1, 9), "<img src=x onerror=alert(1)>"),
            text(ago(3, 1, 8), "\"><script>alert(document.cookie)</script>"),
            text(
                ago(3, 0, 59),
                "[click me](javascript:alert(1)) or javascript:alert('x')",
            ),
            text(
                ago(3, 0, 58),
                "{{constructor.constructor('alert(1)')()}} ${7*7} <iframe src=\"https://evil.example\"></iframe>",
            ),
            line(
                ago(3, 0, 57),
                Content::Sticker {
                    asset: assets::STICKER_WEBP,
                },
            ),
            text(ago(3, 0, 55), "Robert'); DROP TABLE messages;--"),
            text(ago(3, 0, 50), "&lt;not really html&gt; &amp; &#x3C;3"),
            text(ago(3, 0, 45), "my invoice: invoice\u{202E}fdp.exe"),
            text(ago(3, 0, 40), LONG_URL),
            text(
                ago(3, 0, 0),
                "ok ok, can I actually order a croissant 🥐 lol",
            ),
        ],
    }
}

const LONG_URL: &str = "https://example.com/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?no=spaces&to=wrap";

/// Portuguese customer who changes her number halfway (SYSTEM customer_changed_number).
fn ana() -> Conversation {
    const NEW_NUMBER: &str = "351924567890";
    Conversation {
        customer: customer("351913456789", "Ana Pereira", "Ana", &BAKERY),
        lines: vec![
            text(ago(9, 3, 0), "Bom dia! Têm pão sem glúten ao sábado?"),
            text(ago(9, 2, 20), "Ok, obrigada"),
            line(
                ago(6, 5, 0),
                Content::Reply {
                    text: "Sim, quero reservar",
                    payload: "reserve_saturday_bread",
                },
            ),
            text(ago(6, 4, 58), "Reservem 2 pães, por favor"),
            line(
                ago(2, 8, 0),
                Content::NumberChanged {
                    new_number: NEW_NUMBER,
                },
            ),
            text(ago(2, 7, 40), "Olá, mudei de número. Este é o novo 🙂").from(NEW_NUMBER),
            line(
                ago(2, 7, 35),
                Content::Location {
                    latitude: "38.7078",
                    longitude: "-9.1366",
                    name: Some("Praça do Comércio"),
                    address: Some("Praça do Comércio, 1100-148 Lisboa"),
                },
            )
            .from(NEW_NUMBER),
            text(ago(2, 7, 34), "Posso levantar a encomenda aqui perto?").from(NEW_NUMBER),
            text(ago(1, 0, 0), "Perfeito, até amanhã!").from(NEW_NUMBER),
        ],
    }
}

/// Office catering order; shares a bare pin (a location without name or address).
fn oliver() -> Conversation {
    Conversation {
        customer: Customer {
            ids: IdStyle::Decimal,
            ..customer("447911123456", "Oliver Smith", "Oliver", &BAKERY)
        },
        lines: vec![
            text(
                ago(4, 5, 30),
                "Morning! I'm organising a team breakfast for 30 people next Wednesday.",
            ),
            text(
                ago(4, 5, 28),
                "Could you do a mix of pastéis de nata, croissants and fruit? Budget around €150.",
            ),
            text(
                ago(4, 4, 40),
                "Delivery to our office: Avenida da Liberdade 110, 4th floor",
            ),
            line(
                ago(4, 4, 39),
                Content::Location {
                    latitude: "38.7196",
                    longitude: "-9.1456",
                    name: None,
                    address: None,
                },
            ),
            line(
                ago(3, 5, 0),
                Content::Reply {
                    text: "Approve quote",
                    payload: "quote_approve_2231",
                },
            ),
            text(ago(3, 4, 59), "Approved ✅ PO number is PO-55821"),
            text(
                ago(1, 22, 0),
                "Everyone loved it 😍 Same again in two weeks?",
            ),
            text(
                ago(1, 21, 58),
                "Can you invoice to: Acme Lda, NIF 509999999",
            ),
        ],
    }
}

/// A regular who writes in lists and emoji only.
fn joao() -> Conversation {
    Conversation {
        customer: customer("351936000111", "João 🥖", "João Silva", &BAKERY),
        lines: vec![
            text(
                ago(5, 7, 0),
                "Bom dia! Encomenda para amanhã:\n- 4 pães alentejanos\n- 6 pastéis de nata\n- 1 bolo de laranja\nObrigado!",
            ),
            text(ago(5, 6, 30), "👍"),
            text(ago(3, 7, 5), "🎂🎂🎂"),
            text(
                ago(3, 7, 4),
                "Três bolos para sexta, é possível? Telefone alternativo: +351 21 555 0199, email joao.silva@example.pt",
            ),
            text(ago(0, 9, 0), "Já levantei, tudo ótimo 👌🏼"),
            text(ago(0, 8, 55), "Até à próxima semana!"),
        ],
    }
}

/// Thai customer: a broken spoke (photo URL expired), a video of the wobble, an appointment.
fn somchai() -> Conversation {
    Conversation {
        customer: customer("66891234567", "สมชาย ใจดี", "Somchai", &BIKES_BANGKOK),
        lines: vec![
            text(ago(9, 20, 15), "สวัสดีครับ ซ่อมล้อจักรยานไหมครับ"),
            line(
                ago(9, 20, 12),
                Content::Image {
                    asset: assets::BIKE_JPG,
                    caption: Some("ซี่ล้อหลังหักครับ 🚲"),
                },
            ),
            text(ago(9, 19, 0), "ประมาณกี่บาทครับ"),
            text(ago(9, 18, 20), "โอเคครับ พรุ่งนี้เอาไปได้ไหม"),
            text(ago(9, 1, 0), "ขอโทษครับ ยังไม่ว่าง ขอเลื่อนเป็นสัปดาห์หน้า"),
            text(ago(3, 6, 30), "ล้อยังส่ายอยู่ครับ ดูวิดีโอนี้"),
            line(
                ago(3, 6, 28),
                Content::Video {
                    asset: assets::WHEEL_MP4,
                    name: "ล้อส่าย",
                },
            ),
            line(
                ago(3, 5, 10),
                Content::Reply {
                    text: "ยืนยันนัด",
                    payload: "appt_confirm_311",
                },
            ),
            line(
                ago(3, 5, 5),
                Content::Location {
                    latitude: "13.7314",
                    longitude: "100.5414",
                    name: Some("สวนลุมพินี"),
                    address: Some("Rama IV Rd, Pathum Wan, Bangkok 10330"),
                },
            )
            .encoded(),
            text(ago(3, 5, 4), "ผมปั่นอยู่แถวสวนลุมครับ ร้านอยู่ไกลไหม"),
            text(ago(1, 6, 0), "ได้รับจักรยานแล้วครับ ขอบคุณมากครับ 🙏"),
            text(ago(1, 5, 58), "ราคา ฿1,250 โอนแล้วนะครับ"),
        ],
    }
}

/// Singaporean cyclist whose numbers arrive with a leading `+`.
fn priya() -> Conversation {
    Conversation {
        customer: Customer {
            plus: true,
            ..customer("6591234567", "Priya Raman", "Priya", &BIKES_BANGKOK)
        },
        lines: vec![
            text(
                ago(7, 4, 20),
                "Hey! Do you service road bikes with hydraulic disc brakes? 🚴‍♀️",
            ),
            text(
                ago(7, 4, 18),
                "Here's my ride from Sunday, the brakes squealed the whole way down: https://www.strava.com/activities/11223344556",
            ),
            text(ago(7, 3, 30), "Shimano 105 R7170, bought in 2024"),
            line(
                ago(5, 6, 0),
                Content::Reply {
                    text: "Book Saturday 10:00",
                    payload: "slot_sat_1000",
                },
            ),
            text(
                ago(5, 5, 58),
                "Also could you check the chain? It skips on the 11-speed cog 😬",
            ),
            text(ago(4, 0, 15), "Dropping it off now"),
            text(ago(2, 3, 20), PRIYA_LONG),
            text(
                ago(2, 3, 18),
                "5/5 ⭐⭐⭐⭐⭐ would recommend. Left a review here: https://maps.app.goo.gl/AbCdEf12345",
            ),
            line(
                ago(0, 20, 0),
                Content::Reaction {
                    emoji: "👍",
                    to_message_id: "wamid.HBgLNjY4MTIwMDAyMDAVAgARGBJCSUtFX1JFQURZXzMxMgA=",
                },
            ),
        ],
    }
}

const PRIYA_LONG: &str = "Picked the bike up this morning — thank you! Some feedback since you asked:\n\n1. Brakes: completely silent now, and the bite point is much closer to the bar. 👌\n2. Chain: no more skipping, even under load on the Rama VIII bridge climb.\n3. The little note explaining what you replaced was a really nice touch.\n\nOnly thing: the rear light wasn't reattached, I found it in the bag. Not a big deal!";

/// German tourist renting bikes: a photo without caption, a new phone (identity change), a card.
fn tom() -> Conversation {
    Conversation {
        customer: customer("4915112345678", "Tom", "Tom Becker", &BIKES_BANGKOK),
        lines: vec![
            text(
                ago(8, 1, 30),
                "Hi, do you rent bikes? 2 city bikes for 3 days",
            ),
            text(ago(8, 1, 29), "Wir sind zu zweit 😊 (two people)"),
            line(
                ago(7, 23, 0),
                Content::Reply {
                    text: "Reserve",
                    payload: "rental_reserve_2x3d",
                },
            ),
            line(
                ago(6, 10, 20),
                Content::Image {
                    asset: assets::BIKE_JPG,
                    caption: None,
                },
            ),
            text(ago(6, 10, 19), "The rear wheel on this one looks bent"),
            line(ago(4, 4, 10), Content::IdentityChanged),
            text(ago(4, 4, 5), "New phone, same me 😅"),
            line(ago(4, 3, 30), Content::Contacts(TOM_CARDS)).encoded(),
            text(ago(4, 3, 29), "My friend Lukas also wants a bike tomorrow"),
            text(ago(2, 1, 0), "Returned both bikes at the shop. Danke! 🙌"),
        ],
    }
}

static TOM_CARDS: &[Card] = &[
    Card {
        formatted_name: "Lukas Schmidt",
        first_name: "Lukas",
        last_name: Some("Schmidt"),
        phones: &[
            ("+49 170 1234567", "CELL", Some("491701234567")),
            ("+66 2 123 4567", "WORK", None),
        ],
        email: None,
        company: Some("Hostel Sukhumvit 11"),
    },
    Card {
        formatted_name: "Mia",
        first_name: "Mia",
        last_name: None,
        phones: &[("+49 151 7654321", "CELL", Some("4915176543210"))],
        email: Some("mia@example.de"),
        company: None,
    },
];

/// Insurance repair: a photo with a bilingual caption and a claim form PDF.
fn nattapong() -> Conversation {
    Conversation {
        customer: customer("66865550199", "Nattapong S.", "Nattapong", &BIKES_BANGKOK),
        lines: vec![
            text(
                ago(2, 6, 40),
                "Hi, I crashed on Sukhumvit 😣 need a repair quote for insurance",
            ),
            line(
                ago(2, 6, 38),
                Content::Image {
                    asset: assets::BIKE_JPG,
                    caption: Some("Front fork ok? / ส้อมหน้าโอเคไหม"),
                },
            ),
            line(
                ago(2, 5, 50),
                Content::Document {
                    asset: assets::CLAIM_PDF,
                    name: "Insurance claim form",
                },
            ),
            text(
                ago(2, 5, 49),
                "Please fill in section 3 (repair estimate) 🙏",
            ),
            text(ago(1, 3, 0), "Insurance approved! Go ahead with the repair"),
            text(ago(0, 12, 0), "What time can I pick up?"),
        ],
    }
}

/// Japanese customer on the Tokyo number, with the newer BSUID fields and a sticker.
fn sakura() -> Conversation {
    let bsuid = Bsuid {
        user_id: "JP.1a2b3c4d5e6f",
        parent_user_id: None,
        user_name: Some("sakura_t"),
    };
    Conversation {
        customer: Customer {
            bsuid: Some(bsuid),
            ids: IdStyle::Decimal,
            ..customer("819012345678", "さくら", "田中さくら", &BIKES_TOKYO)
        },
        lines: vec![
            text(
                ago(6, 8, 30),
                "こんにちは。自転車の点検をお願いしたいです。",
            ),
            text(ago(6, 8, 29), "ブレーキが少し効きにくいです🚲"),
            line(
                ago(6, 7, 40),
                Content::Reply {
                    text: "はい、予約します",
                    payload: "booking_confirm_jp_0412",
                },
            ),
            line(
                ago(6, 7, 35),
                Content::Location {
                    latitude: "35.6580",
                    longitude: "139.7016",
                    name: Some("渋谷駅"),
                    address: Some("東京都渋谷区道玄坂2丁目"),
                },
            ),
            text(ago(6, 7, 34), "お店は渋谷駅の近くですか？"),
            line(
                ago(5, 0, 30),
                Content::Video {
                    asset: assets::WHEEL_MP4,
                    name: "ブレーキの音",
                },
            )
            .encoded(),
            text(
                ago(4, 2, 0),
                "ありがとうございました！とても丁寧な対応でした😊",
            ),
            line(
                ago(4, 1, 59),
                Content::Sticker {
                    asset: assets::STICKER_WEBP,
                },
            ),
            text(
                ago(1, 1, 0),
                "来月もう一台お願いするかもしれません。子供用の自転車はありますか？",
            ),
        ],
    }
}

/// Chinese family renting e-bikes in Tokyo: voice note, deposit screenshot, a flat battery.
fn wang_fang() -> Conversation {
    let bsuid = Bsuid {
        user_id: "CN.77f0e1a9c3",
        parent_user_id: Some("CN.parent.01aa"),
        user_name: Some("wangfang88"),
    };
    Conversation {
        customer: Customer {
            bsuid: Some(bsuid),
            notice_type: true,
            ..customer("8613912345678", "王芳", "Wang Fang", &BIKES_TOKYO)
        },
        lines: vec![
            text(ago(5, 5, 20), "您好，请问可以租电动自行车吗？"),
            text(ago(5, 5, 19), "我们一家三口 👨‍👩‍👧"),
            line(
                ago(5, 4, 30),
                Content::Audio {
                    asset: assets::VOICE_NOTE_OGG,
                },
            )
            .encoded(),
            text(ago(5, 4, 29), "刚发了语音，麻烦听一下"),
            line(
                ago(5, 3, 0),
                Content::Reply {
                    text: "确认预订",
                    payload: "ebike_rent_0415",
                },
            ),
            line(
                ago(4, 0, 45),
                Content::Image {
                    asset: assets::TRANSFER_PNG,
                    caption: Some("押金已付"),
                },
            ),
            text(ago(3, 2, 15), "电池没电了😭 我们在浅草这里"),
            line(
                ago(3, 2, 14),
                Content::Location {
                    latitude: "35.7148",
                    longitude: "139.7967",
                    name: Some("浅草寺"),
                    address: Some("東京都台東区浅草2丁目3-1"),
                },
            ),
            text(ago(3, 1, 0), "好的，我们等你们"),
            text(ago(2, 0, 0), "谢谢你们的帮助！服务太好了"),
        ],
    }
}

/// A short, recent Japanese conversation: a flat tyre today.
fn kenji() -> Conversation {
    Conversation {
        customer: customer("818098765432", "佐藤健二", "Kenji", &BIKES_TOKYO),
        lines: vec![
            text(ago(0, 5, 40), "パンクしました。今日修理できますか？"),
            line(
                ago(0, 5, 38),
                Content::Image {
                    asset: assets::BIKE_JPG,
                    caption: Some("後輪です"),
                },
            ),
            text(ago(0, 4, 50), "14時に行きます"),
            text(
                ago(0, 4, 49),
                "予算は5000円くらいです。タイヤ交換が必要なら教えてください。",
            ),
            text(ago(0, 1, 10), "今お店の前に着きました"),
            text(ago(0, 0, 20), "助かりました！ありがとうございます🙇"),
        ],
    }
}
