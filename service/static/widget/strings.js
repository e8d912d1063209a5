// Every word the widget shows, in English, French, Spanish and German: `data-lang` picks the language,
// `data-strings` (JSON) overrides any entry. `{name}` in an entry is filled in by `fill`.
//
// The service's own error details are in English: an English widget shows them as they come (they say
// the most), any other language shows its own words for the errors it knows (by their `code`).
"use strict";

const STRINGS = {
  en: {
    title: "Ask the documents",
    greeting: "Ask a question about the documents. Every answer cites the passages it comes from.",
    placeholder: "Ask a question…",
    questionLabel: "Your question", send: "Send", stop: "Stop", stopLabel: "Stop the answer",
    conversation: "Conversation", newChat: "New chat", closeChat: "Close chat",
    openLauncher: "Open chat: {title}", closeLauncher: "Close chat: {title}", you: "You: ",
    searching: "Searching the documents…", notFound: "Not found in the documents",
    degraded: "Answered without the language model.", degradedReason: "Answered without the language model: {reason}",
    unsupported: "Unsupported by the cited passage", unsupportedFlag: "(unsupported by the cited passage)",
    chipLabel: "Source {id}: {title}", sources: "Sources", showSource: "Show passage {id}: {title}",
    original: "original ↗", untitled: "Untitled document",
    closest: "Closest passages", closestNote: "Not cited: they came closest, but do not answer the question.",
    showClosest: "Show closest passage: {title}", back: "← Back to chat", page: "page {page}",
    sourceLabel: "Source {id}", closestLabel: "Closest passage: {title}",
    closestPassageNote: "A closest passage: the documents do not answer the question, and nothing here is cited.",
    highlighted: "Highlighted: the part that the answer cites.",
    notLocated: "The cited sentence could not be located exactly; showing the whole passage.",
    wholePassage: "The whole passage:", noPassage: "(The passage text is not available.)",
    openOriginal: "Open the original ↗", onService: "This passage on the service ↗",
    interrupted: "This answer was interrupted.", stopped: "Stopped.",
    incomplete: "The answer stopped before it was complete.",
    noAnswer: "The service closed the connection without an answer.",
    timeout: "No response from the service for {seconds} s. Please try again.",
    connectionLost: "The connection was interrupted before the answer was complete.",
    answerFailed: "Something went wrong while answering.",
    tooMany: "Too many requests — try again in {wait}", aMoment: "a moment", seconds: "{seconds} s",
    notAllowed: "This site is not allowed to use this chat.",
    keyRevoked: "This site key is unknown or has been revoked.",
    unavailable: "The service is unavailable right now.", requestFailed: "The request failed (HTTP {status}).",
    connectionFailed: "The connection to the service failed. Please try again.", unreachable: "Cannot reach the service.",
    rate: "Was this answer helpful?", helpful: "Helpful", notHelpful: "Not helpful",
    commentLabel: "What was wrong or missing? (optional)", commentSend: "Send", commentSkip: "Skip",
    thanks: "Thank you for your feedback.", feedbackFailed: "Your feedback could not be sent.",
  },
  fr: {
    title: "Interroger les documents",
    greeting: "Posez une question sur les documents. Chaque réponse cite les passages dont elle provient.",
    placeholder: "Posez une question…",
    questionLabel: "Votre question", send: "Envoyer", stop: "Arrêter", stopLabel: "Arrêter la réponse",
    conversation: "Conversation", newChat: "Nouveau chat", closeChat: "Fermer la conversation",
    openLauncher: "Ouvrir la conversation : {title}", closeLauncher: "Fermer la conversation : {title}", you: "Vous : ",
    searching: "Recherche dans les documents…", notFound: "Introuvable dans les documents",
    degraded: "Réponse donnée sans le modèle de langue.", degradedReason: "Réponse donnée sans le modèle de langue : {reason}",
    unsupported: "Non étayé par le passage cité", unsupportedFlag: "(non étayé par le passage cité)",
    chipLabel: "Source {id} : {title}", sources: "Sources", showSource: "Afficher le passage {id} : {title}",
    original: "original ↗", untitled: "Document sans titre",
    closest: "Passages les plus proches",
    closestNote: "Non cités : ce sont les plus proches, mais ils ne répondent pas à la question.",
    showClosest: "Afficher le passage proche : {title}", back: "← Retour à la conversation", page: "page {page}",
    sourceLabel: "Source {id}", closestLabel: "Passage proche : {title}",
    closestPassageNote: "Un passage proche : les documents ne répondent pas à la question, et rien ici n’est cité.",
    highlighted: "Surligné : la partie citée par la réponse.",
    notLocated: "La phrase citée n’a pas pu être localisée exactement ; voici le passage entier.",
    wholePassage: "Le passage entier :", noPassage: "(Le texte du passage n’est pas disponible.)",
    openOriginal: "Ouvrir l’original ↗", onService: "Ce passage sur le service ↗",
    interrupted: "Cette réponse a été interrompue.", stopped: "Arrêté.",
    incomplete: "La réponse s’est arrêtée avant d’être complète.",
    noAnswer: "Le service a fermé la connexion sans répondre.",
    timeout: "Aucune réponse du service depuis {seconds} s. Veuillez réessayer.",
    connectionLost: "La connexion a été interrompue avant la fin de la réponse.",
    answerFailed: "Une erreur s’est produite pendant la réponse.",
    tooMany: "Trop de demandes — réessayez dans {wait}", aMoment: "un instant", seconds: "{seconds} s",
    notAllowed: "Ce site n’est pas autorisé à utiliser cette conversation.",
    keyRevoked: "Cette clé de site est inconnue ou a été révoquée.",
    unavailable: "Le service est indisponible pour le moment.", requestFailed: "La demande a échoué (HTTP {status}).",
    connectionFailed: "La connexion au service a échoué. Veuillez réessayer.", unreachable: "Le service est injoignable.",
    rate: "Cette réponse vous a-t-elle aidé ?", helpful: "Utile", notHelpful: "Pas utile",
    commentLabel: "Qu’est-ce qui manquait ou était faux ? (facultatif)", commentSend: "Envoyer", commentSkip: "Passer",
    thanks: "Merci pour votre avis.", feedbackFailed: "Votre avis n’a pas pu être envoyé.",
  },
  es: {
    title: "Pregunte a los documentos",
    greeting: "Haga una pregunta sobre los documentos. Cada respuesta cita los pasajes de los que procede.",
    placeholder: "Haga una pregunta…",
    questionLabel: "Su pregunta", send: "Enviar", stop: "Detener", stopLabel: "Detener la respuesta",
    conversation: "Conversación", newChat: "Nuevo chat", closeChat: "Cerrar la conversación",
    openLauncher: "Abrir la conversación: {title}", closeLauncher: "Cerrar la conversación: {title}", you: "Usted: ",
    searching: "Buscando en los documentos…", notFound: "No se encuentra en los documentos",
    degraded: "Respondido sin el modelo de lenguaje.", degradedReason: "Respondido sin el modelo de lenguaje: {reason}",
    unsupported: "No respaldado por el pasaje citado", unsupportedFlag: "(no respaldado por el pasaje citado)",
    chipLabel: "Fuente {id}: {title}", sources: "Fuentes", showSource: "Mostrar el pasaje {id}: {title}",
    original: "original ↗", untitled: "Documento sin título",
    closest: "Pasajes más cercanos",
    closestNote: "No citados: son los más cercanos, pero no responden a la pregunta.",
    showClosest: "Mostrar el pasaje cercano: {title}", back: "← Volver a la conversación", page: "página {page}",
    sourceLabel: "Fuente {id}", closestLabel: "Pasaje cercano: {title}",
    closestPassageNote: "Un pasaje cercano: los documentos no responden a la pregunta y aquí no se cita nada.",
    highlighted: "Resaltado: la parte que cita la respuesta.",
    notLocated: "No se pudo localizar exactamente la frase citada; se muestra el pasaje completo.",
    wholePassage: "El pasaje completo:", noPassage: "(El texto del pasaje no está disponible.)",
    openOriginal: "Abrir el original ↗", onService: "Este pasaje en el servicio ↗",
    interrupted: "Esta respuesta se interrumpió.", stopped: "Detenido.",
    incomplete: "La respuesta se detuvo antes de completarse.",
    noAnswer: "El servicio cerró la conexión sin responder.",
    timeout: "Sin respuesta del servicio durante {seconds} s. Inténtelo de nuevo.",
    connectionLost: "La conexión se interrumpió antes de completar la respuesta.",
    answerFailed: "Algo salió mal al responder.",
    tooMany: "Demasiadas solicitudes: inténtelo de nuevo en {wait}", aMoment: "un momento", seconds: "{seconds} s",
    notAllowed: "Este sitio no está autorizado a usar esta conversación.",
    keyRevoked: "Esta clave de sitio es desconocida o ha sido revocada.",
    unavailable: "El servicio no está disponible en este momento.", requestFailed: "La solicitud falló (HTTP {status}).",
    connectionFailed: "La conexión con el servicio falló. Inténtelo de nuevo.", unreachable: "No se puede contactar con el servicio.",
    rate: "¿Le ha sido útil esta respuesta?", helpful: "Útil", notHelpful: "No es útil",
    commentLabel: "¿Qué faltaba o era incorrecto? (opcional)", commentSend: "Enviar", commentSkip: "Omitir",
    thanks: "Gracias por su opinión.", feedbackFailed: "No se pudo enviar su opinión.",
  },
  de: {
    title: "Die Dokumente fragen",
    greeting: "Stellen Sie eine Frage zu den Dokumenten. Jede Antwort nennt die Passagen, aus denen sie stammt.",
    placeholder: "Stellen Sie eine Frage…",
    questionLabel: "Ihre Frage", send: "Senden", stop: "Stopp", stopLabel: "Antwort abbrechen",
    conversation: "Unterhaltung", newChat: "Neuer Chat", closeChat: "Unterhaltung schließen",
    openLauncher: "Unterhaltung öffnen: {title}", closeLauncher: "Unterhaltung schließen: {title}", you: "Sie: ",
    searching: "Die Dokumente werden durchsucht…", notFound: "In den Dokumenten nicht gefunden",
    degraded: "Ohne das Sprachmodell beantwortet.", degradedReason: "Ohne das Sprachmodell beantwortet: {reason}",
    unsupported: "Von der zitierten Passage nicht gestützt", unsupportedFlag: "(von der zitierten Passage nicht gestützt)",
    chipLabel: "Quelle {id}: {title}", sources: "Quellen", showSource: "Passage {id} anzeigen: {title}",
    original: "Original ↗", untitled: "Dokument ohne Titel",
    closest: "Nächstliegende Passagen",
    closestNote: "Nicht zitiert: Sie kamen am nächsten, beantworten die Frage aber nicht.",
    showClosest: "Nächstliegende Passage anzeigen: {title}", back: "← Zurück zur Unterhaltung", page: "Seite {page}",
    sourceLabel: "Quelle {id}", closestLabel: "Nächstliegende Passage: {title}",
    closestPassageNote: "Eine nächstliegende Passage: Die Dokumente beantworten die Frage nicht, hier wird nichts zitiert.",
    highlighted: "Hervorgehoben: der Teil, den die Antwort zitiert.",
    notLocated: "Der zitierte Satz ließ sich nicht genau finden; die ganze Passage wird gezeigt.",
    wholePassage: "Die ganze Passage:", noPassage: "(Der Text der Passage ist nicht verfügbar.)",
    openOriginal: "Original öffnen ↗", onService: "Diese Passage auf dem Dienst ↗",
    interrupted: "Diese Antwort wurde unterbrochen.", stopped: "Abgebrochen.",
    incomplete: "Die Antwort brach ab, bevor sie vollständig war.",
    noAnswer: "Der Dienst hat die Verbindung ohne Antwort geschlossen.",
    timeout: "Seit {seconds} s keine Antwort vom Dienst. Bitte versuchen Sie es erneut.",
    connectionLost: "Die Verbindung wurde unterbrochen, bevor die Antwort vollständig war.",
    answerFailed: "Beim Antworten ist ein Fehler aufgetreten.",
    tooMany: "Zu viele Anfragen – versuchen Sie es in {wait} erneut", aMoment: "einem Moment", seconds: "{seconds} s",
    notAllowed: "Diese Website darf diesen Chat nicht verwenden.",
    keyRevoked: "Dieser Website-Schlüssel ist unbekannt oder wurde widerrufen.",
    unavailable: "Der Dienst ist gerade nicht verfügbar.", requestFailed: "Die Anfrage ist fehlgeschlagen (HTTP {status}).",
    connectionFailed: "Die Verbindung zum Dienst ist fehlgeschlagen. Bitte versuchen Sie es erneut.",
    unreachable: "Der Dienst ist nicht erreichbar.",
    rate: "War diese Antwort hilfreich?", helpful: "Hilfreich", notHelpful: "Nicht hilfreich",
    commentLabel: "Was war falsch oder fehlte? (optional)", commentSend: "Senden", commentSkip: "Überspringen",
    thanks: "Danke für Ihre Rückmeldung.", feedbackFailed: "Ihre Rückmeldung konnte nicht gesendet werden.",
  },
};

const asText = (value) => (typeof value === "string" ? value : value == null ? "" : String(value));

// The error codes of the service whose meaning the widget says in its own words (see above).
const CODE_STRINGS = {
  unknown_site_key: "keyRevoked", origin_not_allowed: "notAllowed", site_key_required: "notAllowed",
};

// "fr", "fr-CA", " FR_ca " -> "fr"; anything not built in -> "en".
function pickLanguage(value) {
  const base = asText(value).trim().toLowerCase().split(/[-_]/)[0];
  return Object.prototype.hasOwnProperty.call(STRINGS, base) ? base : "en";
}

// The strings of a language with the overrides laid over them. `overrides` is the JSON text of
// data-strings (or an object): only known keys with string values count, anything else is ignored
// (a typo in a page's attribute must not break the widget).
function resolveStrings(lang, overrides) {
  const language = pickLanguage(lang);
  const out = { ...STRINGS.en, ...STRINGS[language], lang: language };
  let extra = overrides;
  if (typeof overrides === "string") {
    try {
      extra = JSON.parse(overrides);
    } catch (e) {
      extra = null;
    }
  }
  if (extra && typeof extra === "object" && !Array.isArray(extra)) {
    for (const [key, value] of Object.entries(extra)) {
      if (Object.prototype.hasOwnProperty.call(STRINGS.en, key) && typeof value === "string") out[key] = value;
    }
  }
  return out;
}

// `{name}` replaced by vars[name] (as text); unknown names stay as they are.
function fill(template, vars = {}) {
  return asText(template).replace(/\{(\w+)\}/g, (whole, name) =>
    (Object.prototype.hasOwnProperty.call(vars, name) ? asText(vars[name]) : whole));
}

if (typeof module !== "undefined") {
  module.exports = { STRINGS, CODE_STRINGS, pickLanguage, resolveStrings, fill };
}
