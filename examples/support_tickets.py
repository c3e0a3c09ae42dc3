"""The tickets of examples/mailbox/support.mbox: what customers wrote and what support answered.

Written for ftprep; names, addresses and order numbers are invented (example.* domains).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ticket:
    labels: str  # X-Gmail-Labels as Takeout writes it
    name: str
    email: str
    subject: str
    body: str
    reply: str | None  # the agent's answer, None when the ticket is still open
    agent: str = "Sam Patel"
    charset: str = "utf-8"
    html: bool = False
    attachment: str | None = None
    autoreply: bool = False
    quoted_text: str | None = None  # what the agent's client quotes, for HTML originals
    followup: str | None = None  # the customer's answer to the reply
    followup_reply: str | None = None


TICKETS: list[Ticket] = [
    # -- billing ------------------------------------------------------------------------
    Ticket("Inbox,Important,billing", "Jane Cooper", "jane.cooper@example.com",
           "Charged twice for order #A-10293",
           "Hi,\n\nI was charged twice for order #A-10293 on 2 March. Both charges of $49.99\n"
           "show on my Visa ending 4242. Could you refund the duplicate?\n\nThanks,\nJane",
           "I'm sorry about the double charge. I have refunded the duplicate $49.99 to your\n"
           "Visa ending 4242; it will show on your statement within 3-5 business days."),
    Ticket("Inbox,billing", "Mark Olsen", "mark@olsen-carpentry.example.net",
           "Invoice for February missing VAT number",
           "Hello,\n\nThe February invoice does not show our VAT number (GB 123 4567 89), so our\n"
           "accountant cannot book it. Can you reissue it?\n\n-- \nMark Olsen\n"
           "Olsen Carpentry | +1 555 0142",
           "I have added your VAT number to the account and reissued the February invoice.\n"
           "You can download it from Billing > Invoices, and future invoices will include it."),
    Ticket("Inbox,Important,billing", "Priya Nair", "priya.nair@example.org",
           "Upgrade to annual plan",
           "Hi there,\n\nWe'd like to switch from the monthly plan to the annual plan. "
           "Will we get\n"
           "credit for the days left in this month?\n\nKind regards,\nPriya Nair",
           "Yes: when you switch, the unused days of the current month are credited against\n"
           "the first annual invoice. You can switch under Settings > Plan at any time."),
    Ticket("Inbox,billing", "Tom Becker", "tom.becker@example.com",
           "Card declined but order placed?",
           "My card was declined at checkout but I got an order confirmation email anyway.\n"
           "Was I charged or not? Order #A-10377.\n\nSent from my iPhone",
           "Your order #A-10377 was not charged: the confirmation was sent before the payment\n"
           "failed, and the order has been cancelled automatically. Please place it again\n"
           "with another card."),
    Ticket("Inbox,Important,billing", "Lucia Romero", "lucia.romero@example.net",
           "Invoice attached - wrong amount",
           "Hello,\n\nThe attached invoice INV-2024-0311 says $120.00 but our quote was $96.00\n"
           "(20% partner discount). Please correct it.\n\nBest,\nLucia",
           "You are right, the partner discount was not applied. I have cancelled\n"
           "INV-2024-0311 and issued INV-2024-0342 for $96.00.",
           attachment="INV-2024-0311.pdf"),
    Ticket("Opened,billing", "Chen Wei", "chen.wei@example.com",
           "How do I update my billing address?",
           "Hi, we moved offices. Where can I change the billing address that appears on\n"
           "invoices? Thank you.",
           "You can change it under Settings > Billing > Address; the next invoice will use\n"
           "the new address. Past invoices can be reissued on request."),
    Ticket("Inbox,billing", "Oliver Grant", "oliver.grant@example.org", "Refund for unused seats",
           "Hello,\n\nWe reduced our team from 12 to 8 seats last week.\n\n"
           "From what I can see, we were still billed for 12 this month. Can we get a\n"
           "refund for the 4 unused seats?\n\nRegards,\nOliver Grant\nHead of Operations",
           "Seat changes apply from the next billing cycle, but as a one-off I have\n"
           "credited the 4 unused seats for this month ($64.00) to your account."),
    Ticket("Inbox,Important,billing", "Amelia Hughes", "amelia.hughes@example.com",
           "Tax exemption certificate",
           "Hi,\n\nWe are a registered charity. How do I send you our sales tax exemption\n"
           "certificate so future invoices are tax-free?\n\nMany thanks,\nAmelia",
           "Please reply to this email with the certificate as a PDF. Once it is verified\n"
           "(usually within two days) we will stop charging sales tax."),
    Ticket("Inbox,billing", "Diego Fernandez", "diego.fernandez@example.net",
           "Payment failed notification",
           "Got an email that my payment failed, but my bank says there was no attempt.\n"
           "Is my subscription going to be cancelled?",
           None),
    Ticket("Inbox,billing", "Hannah Schmidt", "hannah.schmidt@example.com",
           "Receipt in EUR instead of USD",
           "Hello,\n\nCould you issue my receipts in EUR? "
           "Our company books everything in euros.\n\n"
           "Thanks,\nHannah",
           "Receipts follow the currency of the subscription, which is USD. We can switch\n"
           "your subscription to EUR from the next renewal; would you like us to do that?",
           followup="Yes please, switch it to EUR from the next renewal.\n\nThanks,\nHannah",
           followup_reply="Done: your subscription renews in EUR from 1 April, and the\n"
           "receipts will be in EUR from then on."),
    # -- technical ------------------------------------------------------------------------
    Ticket("Inbox,Important,technical", "Ravi Kumar", "ravi.kumar@example.org",
           "App crashes when exporting to CSV",
           "Hi,\n\nThe desktop app (version 4.2.1 on Windows 11) crashes every time I export a\n"
           "report with more than 10,000 rows to CSV. Smaller exports work.\n\nThanks,\nRavi",
           "Thank you for the details. This is a known issue in 4.2.1 and is fixed in 4.2.2,\n"
           "released today. Please update via Help > Check for updates."),
    Ticket("Inbox,technical", "Sophie Martin", "sophie.martin@example.com",
           "Cannot log in after password reset",
           "Hello,\n\nI reset my password this morning but the new password is rejected with\n"
           "\"invalid credentials\". I tried twice.\n\nSent from my iPhone",
           "Your account was locked after several attempts. I have unlocked it; please try\n"
           "again with the new password, and use the reset link once more if it still fails."),
    Ticket("Inbox,Important,technical", "Kenji Watanabe", "kenji.watanabe@example.net",
           "API returns 429 too often",
           "Hi team,\n\nOur integration gets HTTP 429 after about 50 requests per minute, but our\n"
           "plan lists a limit of 120/min. Request IDs: 7f3a-11c2, 7f3a-11d9.\n\nBest regards,\n"
           "Kenji Watanabe\nPlatform Engineering",
           "Your API key was still on the trial limit of 50 requests per minute. I have moved\n"
           "it to the 120/min limit of your plan; the change is live now."),
    Ticket("Inbox,technical", "Grace Kim", "grace.kim@example.com", "Sync stuck at 99%",
           "<html><head><style>p { margin: 0; }</style></head><body>"
           "<p>Hello,</p><p>Since yesterday the sync on my laptop is stuck at <b>99%</b>.</p>"
           "<p>I tried:</p><ul><li>restarting the app</li><li>signing out and in</li></ul>"
           "<p>Nothing helped. Any ideas?</p><p>Grace</p></body></html>",
           "A corrupted cache file can stop the last step of the sync. Quit the app, delete\n"
           "the folder %APPDATA%\\Acme\\cache, and start the app again.",
           html=True,
           quoted_text="Hello,\n\nSince yesterday the sync on my laptop is stuck at 99%.\n\n"
           "I tried:\n- restarting the app\n- signing out and in\n\nNothing helped. Any ideas?"),
    Ticket("Opened,Category Updates,technical", "Lars Eriksson", "lars.eriksson@example.org",
           "Two-factor codes not arriving",
           "Hi,\n\nThe SMS codes for two-factor login stopped arriving. My number is the same.\n"
           "Can I switch to an authenticator app?\n\nCheers,\nLars",
           "SMS delivery to some carriers was delayed this morning and is working again. You\n"
           "can also switch to an authenticator app under Security > Two-factor."),
    Ticket("Inbox,technical", "Fatima Zahra", "fatima.zahra@example.com", "Webhook not firing",
           "Hello,\n\nOur webhook for order.created has not fired since Friday. The endpoint is\n"
           "up and returns 200 when we call it ourselves.",
           "Your endpoint's TLS certificate expired on Friday, so our calls failed and the\n"
           "webhook was paused. Once the certificate is renewed, re-enable it under\n"
           "Developers > Webhooks.",
           autoreply=True),
    Ticket("Inbox,Important,technical", "Noah Williams", "noah.williams@example.net",
           "Dark mode makes charts unreadable",
           "Hi,\n\nIn dark mode the chart labels are dark grey on black and impossible to read.\n"
           "Screenshot on request.\n\nThanks,\nNoah",
           "Thanks for reporting this. We have reproduced it and a fix ships in next week's\n"
           "release; until then, Settings > Appearance > High contrast makes labels readable."),
    Ticket("Inbox,technical", "Isabella Rossi", "isabella.rossi@example.org",
           "Import from spreadsheet fails",
           "Hello,\n\nImporting contacts from our .xlsx file fails with \"unexpected column\".\n"
           "The file has the columns Name, Email, Phone.",
           "The importer expects the header \"E-mail\" rather than \"Email\". Rename the column\n"
           "(or use the template under Contacts > Import) and the import will work."),
    Ticket("Inbox,technical", "Ahmed Hassan", "ahmed.hassan@example.com",
           "Printer integration offline",
           "Hi,\n\nThe receipt printer shows as offline in the dashboard although it prints test\n"
           "pages fine.\n\nRegards,\nAhmed",
           None),
    Ticket("Inbox,technical", "Emma Johansson", "emma.johansson@example.net",
           "Error 500 when saving settings",
           "Hello,\n\nSaving the notification settings gives \"Error 500\". It started today.\n\n"
           "Kind regards,\nEmma Johansson",
           "We had a fault in the settings service between 10:05 and 10:40 UTC, now fixed.\n"
           "Please try saving again; your earlier changes were not lost."),
    # -- returns --------------------------------------------------------------------------
    Ticket("Inbox,returns", "Liam O'Brien", "liam.obrien@example.com", "Return a damaged lamp",
           "Hi,\n\nThe desk lamp from order #A-10412 arrived with a cracked base. I'd like to\n"
           "return it for a replacement.\n\nThanks,\nLiam",
           "I'm sorry it arrived damaged. A prepaid return label is on its way to you by\n"
           "email, and the replacement ships as soon as the carrier scans the parcel."),
    Ticket("Opened,Category Updates,returns", "Mia Schneider", "mia.schneider@example.org",
           "Wrong size delivered",
           "Hello,\n\nI ordered the jacket in M but received an L (order #A-10455). How do I\n"
           "exchange it?\n\nSent from my iPhone",
           "You can exchange it free of charge: use the return label in the parcel, tick\n"
           "\"exchange - size M\" on the slip, and we ship the M when the L arrives."),
    Ticket("Inbox,returns", "Lucas Dubois", "lucas.dubois@example.net", "Return window",
           "Hi,\n\nHow long do I have to return an unopened item? I bought it 25 days ago.\n\n"
           "Best,\nLucas",
           "Unopened items can be returned within 30 days of delivery, so you still have\n"
           "time. Start the return from Orders > Return an item."),
    Ticket("Inbox,Important,returns", "Chloe Taylor", "chloe.taylor@example.com",
           "Refund not received for returned shoes",
           "Hello,\n\nI returned the shoes from order #A-10298 two weeks ago (tracking\n"
           "1Z999AA10123456784) and haven't received the refund yet.\n\nThank you,\nChloe",
           "Your parcel reached our warehouse on Tuesday and the refund of $89.00 was issued\n"
           "today. It takes 3-5 business days to appear on your card."),
    Ticket("Inbox,returns", "Ethan Brown", "ethan.brown@example.org", "Return label not working",
           "Hi,\n\nThe return label PDF you sent is blank when I open it. Could you send it\n"
           "again?\n\nThanks,\nEthan",
           "I have sent a new label as a PNG image, which opens on any device. Sorry for the\n"
           "trouble."),
    Ticket("Inbox,returns", "Zoe Papadopoulos", "zoe.papadopoulos@example.net",
           "Can I return a sale item?",
           "Hello, the blender I bought in the spring sale is too loud for our flat. Are sale\n"
           "items returnable?",
           "Sale items can be returned within 14 days of delivery unless they were marked\n"
           "\"final sale\"; the blender was not, so you can return it."),
    Ticket("Inbox,returns", "Jack Wilson", "jack.wilson@example.com", "Missing part in return",
           "Hi,\n\nI sent back the tent but forgot the poles in the box. Will my refund be\n"
           "reduced?\n\nCheers,\nJack",
           "If the poles arrive within 14 days you get the full refund; send them with the\n"
           "same return label number written on the box."),
    Ticket("Inbox,Important,returns", "Olivia Nguyen", "olivia.nguyen@example.org",
           "Exchange instead of refund",
           "Hello,\n\nMy return for order #A-10501 is in transit. Instead of a refund, could I\n"
           "get the same coffee maker in black?\n\nKind regards,\nOlivia",
           "Of course. I have changed the return to an exchange for the black model; it\n"
           "ships when your parcel arrives."),
    Ticket("Inbox,returns", "William Clarke", "william.clarke@example.net",
           "Return from abroad",
           "Hi,\n\nI'm living in Canada now. Can I return an order shipped to my old US\n"
           "address, and who pays the postage?",
           None),
    Ticket("Opened,returns", "Ava Martinez", "ava.martinez@example.com", "Gift return",
           "Hello,\n\nI received a gift from your shop that I'd like to return. I don't have the\n"
           "order number, only the gift receipt.\n\nThanks,\nAva",
           "A gift receipt is enough: enter the code printed on it under Returns > Gift\n"
           "return, and the refund goes to you as store credit."),
    # -- complaints -----------------------------------------------------------------------
    Ticket("Inbox,Important,complaints", "Robert King", "robert.king@example.org",
           "Rude delivery driver",
           "Hello,\n\nYour delivery driver threw the parcel over my fence this morning and\n"
           "shouted at my neighbour. This is unacceptable.\n\nRobert King",
           "I'm very sorry. This is not how our couriers should behave; I have reported the\n"
           "driver to the courier company and added a $10 credit to your account."),
    Ticket("Inbox,complaints", "Elena Petrova", "elena.petrova@example.net",
           "Third late delivery in a row",
           "Hi,\n\nThis is the third order in a row that arrived days after the promised date.\n"
           "I pay for express shipping and expect it to be express.\n\nRegards,\nElena",
           "You're right to be annoyed. I have refunded the express shipping on all three\n"
           "orders ($29.97) and flagged your address with the courier."),
    Ticket("Inbox,Important,complaints", "Michael Scott", "michael.scott@example.com",
           "Support never called back",
           "Hello,\n\nI was promised a call back last Tuesday about my broken dishwasher and\n"
           "nobody called. I have now waited a week.\n\nMichael",
           "I'm sorry we let you down. A technician will call you tomorrow between 9 and\n"
           "11 am, and I have noted your case as urgent."),
    Ticket("Inbox,complaints", "Sara Lindqvist", "sara.lindqvist@example.org",
           "Product not as described",
           "Hi,\n\nThe website said the backpack is waterproof. It leaked in the first rain and\n"
           "my laptop got wet.\n\nThanks,\nSara",
           "I'm sorry about your laptop. We have removed the word \"waterproof\" from the page\n"
           "and refunded the backpack in full; please send us the repair bill for the laptop."),
    Ticket("Inbox,complaints", "Daniel Lee", "daniel.lee@example.net", "Hidden fees",
           "Hello,\n\nI was charged a $4.99 \"service fee\" that was never shown before checkout.\n"
           "Please explain.",
           None),
    Ticket("Inbox,complaints", "Camille Laurent", "camille.laurent@example.com",
           "Réclamation : commande incomplète",
           "Bonjour,\n\nMa commande #A-10533 est arrivée sans les deux tasses à café. C’est la\n"
           "deuxième fois ce mois-ci. J’attends un remboursement de 24,90 €.\n\nCordialement,\n"
           "Camille Laurent",
           "Je suis désolé pour cet oubli. Les deux tasses partent aujourd'hui et nous vous\n"
           "remboursons 24,90 € en geste commercial.",
           agent="Julie Martin", charset="windows-1252"),
    Ticket("Inbox,complaints", "George Evans", "george.evans@example.org",
           "Subscription renewed without notice",
           "Hi,\n\nMy subscription renewed for another year without any reminder. I want it\n"
           "cancelled and refunded.\n\nGeorge",
           "We send a reminder 14 days before renewal, but I can see it went to an old\n"
           "address. I have cancelled the renewal and refunded the full $119.00."),
    Ticket("Inbox,Important,complaints", "Nina Kowalski", "nina.kowalski@example.com",
           "Account closed by mistake",
           "Hello,\n\nMy account was closed yesterday for \"suspicious activity\" but I did\n"
           "nothing unusual. I have an open order.\n\nKind regards,\nNina Kowalski",
           "Our fraud check flagged a login from a new country by mistake. Your account is\n"
           "open again and your order is back in the queue."),
    Ticket("Inbox,billing,complaints", "Paul Adams", "paul.adams@example.net",
           "Overcharged and nobody answers",
           "Hi,\n\nI was charged $59 instead of $39 for my plan, and my two earlier emails got\n"
           "no answer. Please fix this.\n\nPaul",
           "I'm sorry for the silence and the wrong charge. I have refunded the $20\n"
           "difference and set your plan price back to $39."),
    Ticket("Inbox,Opened", "Karen White", "karen.white@example.com", "Question about my order",
           "Hello,\n\nIs it possible to add gift wrapping to order #A-10560 after placing it?\n\n"
           "Thanks,\nKaren",
           "Yes, as long as the order has not shipped. I have added gift wrapping ($3.50) to\n"
           "order #A-10560."),
]  # fmt: skip
