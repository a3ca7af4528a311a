import type { Catalog } from "../catalog.js";

// Duzen, as messaging services in German do. GSM-7 only (ä ö ü ß are in it; „ " are not): 160 characters a segment.
export const de: Catalog = {
  howToBegin: "Hallo! Schreib ANMELDEN, um dein Konto zu erstellen.",
  welcome: "Willkommen! Wie lautet deine E-Mail-Adresse?",
  emailProblem: "{problem} Bitte antworte mit deiner E-Mail-Adresse, z. B. {example}.",
  emailProblemLastTry: "{problem} Letzter Versuch: Antworte mit deiner E-Mail-Adresse, z. B. {example}.",
  emailEmpty: "Die Nachricht war leer.",
  emailTooLong: "Das ist zu lang für eine E-Mail-Adresse.",
  emailNoAt: "Das sieht nicht nach einer E-Mail-Adresse aus: Es fehlt das @.",
  emailSpaceAroundAt: "Eine E-Mail-Adresse hat keine Leerzeichen um das @.",
  emailSeveralAt: "Eine E-Mail-Adresse hat nur ein @.",
  emailNothingBeforeAt: "Vor dem @ steht nichts.",
  emailNothingAfterAt: "Nach dem @ steht nichts.",
  emailBadCharacter: "Das Zeichen {character} ist in einer E-Mail-Adresse nicht erlaubt.",
  emailDotPlacement: "Vor dem @ darf kein Punkt am Anfang oder Ende stehen und keine zwei Punkte hintereinander.",
  emailNoDotAfterAt: "Nach dem @ fehlt ein Punkt, wie in example.com.",
  emailBadDomain: "Nach dem @ steht keine gültige Domain wie example.com.",
  emailBadEnding: "Die Adresse sollte auf etwas wie .de oder .com enden.",
  emailSuggestion: "Meintest du {suggestion}? Antworte JA oder schick die richtige Adresse.",
  emailRetriesExhausted: "Das waren zu viele Versuche, wir fangen neu an. Schreib ANMELDEN, wenn du so weit bist.",
  emailTaken: "Diese E-Mail-Adresse ist schon registriert. Antworte mit einer anderen.",
  emailNeededFirst: "Wir brauchen zuerst deine E-Mail-Adresse. Schick sie uns, z. B. {example}.",
  codeSent:
    "Wir haben dir einen Code geschickt. Antworte damit, mit NEU für einen neuen oder mit ANRUF, um ihn zu hören.",
  codeCalling: "Wir rufen dich jetzt an und lesen dir den Code vor. Antworte damit, sobald du ihn hast.",
  codeCallingLandline:
    "Diese Nummer ist wohl ein Festnetzanschluss, darum rufen wir an und lesen dir den Code vor. Antworte damit.",
  codeResent: "Wir haben dir den Code noch einmal geschickt. Antworte damit, sobald er da ist.",
  notACode: "Das sieht nicht nach einem Code aus. Antworte mit den Ziffern, die wir dir geschickt haben, oder mit NEU.",
  wrongCode: {
    one: "Der Code stimmt nicht. Du hast noch {triesLeft} Versuch.",
    other: "Der Code stimmt nicht. Du hast noch {triesLeft} Versuche.",
  },
  tooManyWrongCodes: "Zu viele falsche Codes. Antworte NEU für einen neuen Code.",
  codeExpired: "Dieser Code ist abgelaufen. Antworte NEU für einen neuen.",
  resendTooSoon: {
    one: "Bitte warte {seconds} Sekunde und antworte dann NEU.",
    other: "Bitte warte {seconds} Sekunden und antworte dann NEU.",
  },
  tooManySends: {
    one: "Du hast viele Codes angefordert. Versuch es in {minutes} Minute noch einmal.",
    other: "Du hast viele Codes angefordert. Versuch es in {minutes} Minuten noch einmal.",
  },
  providerRateLimited: {
    one: "Für dieses Telefon wurden zu viele Codes angefordert. Versuch es in {minutes} Minute noch einmal.",
    other: "Für dieses Telefon wurden zu viele Codes angefordert. Versuch es in {minutes} Minuten noch einmal.",
  },
  providerRateLimitedLater: "Für dieses Telefon wurden zu viele Codes angefordert. Versuch es später noch einmal.",
  cannotSendHere:
    "Wir konnten keinen Code an diese Nummer senden. Für die Anmeldung brauchst du eine Handynummer, die SMS empfängt.",
  blockedForNow: "Wir können gerade keinen Code an diese Nummer senden.",
  sendFailedRetryEmail:
    "Entschuldige, wir konnten deinen Code gerade nicht senden. Schick deine E-Mail-Adresse in einer Minute noch einmal.",
  sendFailedRetryResend: "Entschuldige, wir konnten gerade keinen neuen Code senden. Antworte in einer Minute mit NEU.",
  checkFailed: "Entschuldige, wir konnten deinen Code gerade nicht prüfen. Schick ihn in einer Minute noch einmal.",
  lookupFailed:
    "Entschuldige, bei uns ist etwas schiefgelaufen. Schick deine E-Mail-Adresse in einer Minute noch einmal.",
  idleExpired: "Deine Anmeldung ist nach einer langen Pause abgelaufen, wir fangen neu an.",
  alreadyVerified: "Du bist schon verifiziert als {email}.",
  success: "Geschafft! Deine Anmeldung ist fertig :) Dein Konto: {email}.",
  startedOver: "Wir haben die Anmeldung überarbeitet und fangen neu an.",
  help:
    "sms-signup: Schreib ANMELDEN, um ein Konto zu erstellen, und folge den Schritten. NEU: neuer Code. ANRUF: Code " +
    "per Anruf. SPRACHE: Sprache wechseln. STOP beendet alle Nachrichten, START setzt sie fort.",
  optedIn: "Willkommen zurück!",
  promptCode: "Antworte mit dem Code, den wir dir geschickt haben, oder mit NEU für einen neuen.",
  sorry: "Entschuldige, bei uns ist etwas schiefgelaufen. Schick das in einer Minute noch einmal.",
  tooManyAtOnce:
    "Du hast uns viele Nachrichten auf einmal geschickt, diese haben wir übersprungen. Schick sie gleich noch einmal.",
  languageSet: "Alles klar, ich schreibe dir ab jetzt auf Deutsch.",
  languageMenu:
    "Antworte SPRACHE und deine Sprache: DE Deutsch, EN Englisch, ES Spanisch, FR Französisch, PT Portugiesisch.",
  codeEmailed:
    "Telefon bestätigt! Wir haben einen Code an {email} geschickt. Antworte damit oder mit NEU für einen neuen.",
  codeEmailedAgain: "Wir haben einen neuen Code an {email} geschickt. Antworte damit, sobald er da ist.",
  promptEmailCode: "Antworte mit dem Code, den wir an {email} geschickt haben, oder mit NEU für einen neuen.",
  notAnEmailCode: "Das sieht nicht nach einem Code aus. Antworte mit den Ziffern aus der E-Mail oder mit NEU.",
  codeEmailFailed:
    "Entschuldige, die E-Mail an {email} ging nicht raus. Antworte mit NEU oder schick eine andere Adresse.",
  codeMessage: {
    one: "Dein Anmeldecode ist {code}. Er ist {minutes} Minute gültig. Gib ihn an niemanden weiter.",
    other: "Dein Anmeldecode ist {code}. Er ist {minutes} Minuten gültig. Gib ihn an niemanden weiter.",
  },
  callScript: "Hallo. Dein Anmeldecode lautet: {digits}. Noch einmal: {digits}. Auf Wiederhören.",
};
