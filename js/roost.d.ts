// TypeScript declarations for the Roost page API (js/roost.js), which
// follows Customer.io's browser inbox API. Use them with
//   /// <reference path="roost.d.ts" />
// or by copying this file into a project. No build step is involved.
//
// The script tag:
//   <script src="https://roost.example.com/roost/roost.js" data-site-id="shop"></script>
// data-site-id: the site id the Roost server knows the site by (required).
// data-endpoint: the Roost server's origin; default: the origin roost.js is
//   loaded from. A site that serves the runtime's files from its own origin
//   names the server here: <script src="/roost/roost.js" data-site-id="shop"
//   data-endpoint="https://roost.example.com">. The worker then calls that
//   server (CORS), and its connect-src must allow it (server/assets:
//   Options.Endpoint).
// data-in-app="off": this page shows no in-app messages (see below).
// data-inbox="floating": adds a <roost-inbox placement="floating"> to a page
//   that has none (a bell in the bottom-right corner).
//
// Where the runtime runs: roost.js loaded from the page's own origin starts
// it in a worker of that origin ("direct mode"). Loaded from another origin
// (the Roost server's) with no data-endpoint naming a third one, it adds a
// hidden frame of that origin, which the server lets only the site's allowed
// page origins embed, and the worker runs there ("frame mode",
// docs/protocol.md). The page API is the same in both. A page whose origin
// the site does not allow gets an "identity-error" with status 403 that says
// what to configure.
//
// In-app messages are shown by Roost's presenter (js/roost-inapp.js, loaded
// when the first one is to be shown) unless the page listens for
// "in-app-message" and shows them itself. A page that shows none opts out on
// the script tag: <script src=".../roost.js" data-site-id="..." data-in-app="off">.
//
// <roost-inbox topics="orders social"></roost-inbox> anywhere in a page is a
// bell with the unread count and a panel of the person's inbox (see
// Roost.InboxElement below). Its drawing (js/roost-inbox.js and
// js/roost-inbox.css) loads after the page's load event, only on a page
// with the element.

declare namespace Roost {
  /** A message in an inbox view. Its fields are a snapshot: read the view again after a change. */
  interface InboxMessage {
    /** The delivery id (Customer.io's name for it). */
    readonly messageId: string;
    /** The delivery id (Roost's name for it); the same as messageId. */
    readonly deliveryId: string;
    readonly opened: boolean;
    /** The rendered content: title, body, url, and whatever the template has. */
    readonly properties: { [key: string]: any };
    readonly sentAt: Date;
    /** When it leaves the inbox unless the page marks it (opened, unopened, deleted, clicked); undefined once marked (it is then kept until deleted). */
    readonly expiresAt: Date | undefined;
    /** The template's type, "" when it has none. */
    readonly type: string;
    readonly topics: string[];
    /** Resolves once the change is made (seen by every view of every tab) and its event stored for the server; then "inbox:message-opened" fires. */
    markOpened(): Promise<void>;
    markUnopened(): Promise<void>;
    markDeleted(): Promise<void>;
    /** Records a click; throws a TypeError when actionName is given and is not a string. */
    trackClick(actionName?: string): Promise<void>;
  }

  /** A view of the inbox, from analytics.inbox(). */
  interface Inbox {
    /** The view's messages, newest first (once the runtime answered). */
    messages(): Promise<InboxMessage[]>;
    total(): Promise<number>;
    totalUnopened(): Promise<number>;
    /** callback(messages) once per change of the view's list; returns the unsubscribe function. */
    onUpdates(callback: (messages: InboxMessage[]) => void): () => void;
    /** Roost: marks every unopened message of the view opened. */
    markAllOpened(): Promise<void>;
  }

  /** A view's filter: messages with any of the topics (none: every topic but internal "_..." ones) and any of the types. */
  interface InboxFilter {
    topics?: string | string[];
    types?: string | string[];
  }

  /** An action of an in-app message: a button of the presenter. */
  interface InAppContentAction {
    /** What a click records (trackClick(name)); the label when missing. */
    name?: string;
    /** The button's text; the name when missing. */
    label?: string;
    /** Followed in the same tab after the click: http, https, mailto or relative, else left out. */
    url?: string;
  }

  /**
   * The rendered content of an in-app message, as Roost's presenter reads it.
   * Every string is shown as text, never as markup; any other field is the page's.
   */
  interface InAppContent {
    /** "modal" (the default), "top" ("banner" is the same), "bottom", or "inline" (inside the element with the id target). */
    layout?: "modal" | "top" | "banner" | "bottom" | "inline";
    /** For "inline": the id of the element it is drawn in; a tab without one declines it. */
    target?: string;
    title?: string;
    /** Line breaks are kept. */
    body?: string;
    /** url: http, https or relative (else no image); alt: missing or "" for a decorative image. */
    image?: { url: string; alt?: string };
    /** Up to two buttons; the first is the primary one. */
    actions?: InAppContentAction[];
    /** Stays until the person dismisses it, shown again after a reload or in another tab. */
    persistent?: boolean;
    /** The pages it shows on: a path pattern, "*" for any run of characters ("/account/*"). */
    page_rule?: string;
    [key: string]: any;
  }

  /** An in-app message handed to this tab, to show (as text: it is data, never markup). */
  interface InAppMessage {
    /** The message itself (not enumerable), as Customer.io's event payloads carry it. */
    readonly message: InAppMessage;
    readonly messageId: string;
    readonly deliveryId: string;
    readonly properties: InAppContent;
    readonly type: string;
    readonly topics: string[];
    readonly priority: number;
    /** The person closed it (it also takes the presenter's message away); the next in-app message may show. Then "in-app:message-dismissed" fires. */
    dismiss(): Promise<void>;
    /** Records a click; then "in-app:message-action" fires. */
    trackClick(actionName?: string): Promise<void>;
  }

  interface InboxUpdated {
    /** The filter of the view that changed. */
    topics: string[];
    types: string[];
    total: number;
    unopened: number;
  }

  interface InAppAction {
    messageId: string;
    deliveryId: string;
    message: InAppMessage;
    /** "" when trackClick() had none. */
    actionName: string;
    /** The same as actionName (Customer.io's payload has both). */
    name: string;
    /** Roost: the url of the content's action of that name (when safe: http, https, mailto or relative), else "". */
    action: string;
  }

  interface MessageError {
    error: string;
    deliveryId?: string;
  }

  /**
   * The server refused the identity (401 or 403: this tab's list is empty, and polling
   * for it stops, until an identify of the person is accepted), or, in frame mode, the
   * Roost server does not let this page's origin embed the runtime (403; user is the
   * identified one, "" before any identify).
   */
  interface IdentityError {
    user: string;
    status: number;
    /**
     * Why, for the page to decide whether identifying again can help:
     * "expired": the identity token's expiry passed (403): identify again with a fresh
     *   token, once per token (the wrong-signature limit counts every refusal);
     * "missing": no signature where the site requires one (401);
     * "invalid": any other 403 (a wrong signature or token, another secret, an unknown
     *   site): lasting, so identifying again with the same backend answer will not help;
     * "origin": frame mode, the server refused the frame: this page's origin is not one
     *   the site allows, or data-site-id names no site (403).
     */
    reason: "expired" | "missing" | "invalid" | "origin";
    /** The server's message (or the shim's, for "origin"). */
    error: string;
  }

  interface StorageError {
    error: string;
  }

  /**
   * The identity token this tab gave (v1.<exp>.<hmac>) expires soon: 60 s before
   * its expiry, or a tenth of its remaining lifetime when that is shorter. Answer with
   * analytics.identify(user, null, {signature: <a fresh token>}); the inbox stays
   * as it is while the fresh token is checked.
   */
  interface IdentityExpiring {
    user: string;
    /** When the token expires, unix ms. */
    expiresAt: number;
  }

  /** The events of analytics.on() and what their callbacks get. */
  interface Events {
    /** A view's list changed. */
    "inbox:updated": InboxUpdated;
    /** markOpened() on a message resolved. */
    "inbox:message-opened": InboxMessage;
    /** An in-app message for this tab to show: with a listener, the page shows them all and Roost's presenter is not loaded. */
    "in-app-message": InAppMessage;
    /** An in-app message was shown: right after "in-app-message", or once the presenter has drawn it. The server records it opened (once per message). */
    "in-app:message-opened": InAppMessage;
    "in-app:message-dismissed": InAppMessage;
    "in-app:message-action": InAppAction;
    "message-error": MessageError;
    "identity-error": IdentityError;
    "identity-expiring": IdentityExpiring;
    "storage-error": StorageError;
  }

  /** One string, or [one, other] where a number decides: "{n}" is the number. */
  type Plural = string | [one: string, other: string];

  /**
   * The texts of <roost-inbox>, any of which a page overrides (the strings
   * attribute, as JSON, or the strings property). Built in: English, French,
   * German; the element speaks its lang attribute's language, else the
   * nearest lang attribute's (the page's).
   */
  interface InboxElementStrings {
    /** The panel's title, and the bell's label with nothing unread. */
    inbox?: string;
    /** The bell's label with unread messages; default: inbox, ", " and unreads ("Inbox, 3 unread"). */
    bell?: Plural;
    /** The tab of every topic. */
    all?: string;
    /** The tab list's label. */
    topics?: string;
    markAll?: string;
    markRead?: string;
    markUnread?: string;
    remove?: string;
    close?: string;
    /** Said before an unread message's title. */
    unread?: string;
    /** Said after a tab's count: "{n} unread". */
    unreads?: Plural;
    /** An empty inbox: its title and text. */
    empty?: string;
    emptyText?: string;
    loading?: string;
    offline?: string;
    error?: string;
    /** Announced (politely) when messages arrive: "New message: {t}" ({t}: its title) for one, "{n} new messages". */
    fresh?: Plural;
    /** The time of a message sent in the last 45 s; default: Intl.RelativeTimeFormat's "now". */
    now?: string;
    /** A tab's label per topic; default: the topic, capitalized, "_" and "-" as spaces. */
    topicLabels?: { [topic: string]: string };
  }

  /**
   * <roost-inbox>: a bell with the unread count and a panel of the person's
   * inbox messages, drawn in an open shadow root. It reads a message's
   * properties title, body (text) or body_html (sanitized), url (followed
   * when the message is opened), image ({url, alt} or a URL; type "rich"
   * only) and actions (up to two {name, label, url}).
   *
   * Its attributes, read again when they change:
   * topics: the topics it shows, space or comma separated (none: every topic
   *   but internal "_..." ones); two or more: a tab per topic, and All;
   * types: the message types it shows, the same way;
   * placement: "inline" (the default: where the element is) or "floating" (a
   *   launcher fixed in the bottom-right corner, its panel above it);
   * lang: its language (else the nearest lang attribute's, the page's);
   * theme: "light" or "dark" forces one; "auto" follows the person's
 *   prefers-color-scheme; default: "auto" on a page whose color-scheme
 *   includes dark, else "light";
   * strings: JSON of InboxElementStrings.
   */
  interface InboxElement extends HTMLElement {
    /** Overrides any of its texts, like the strings attribute (and over it). */
    strings: InboxElementStrings | undefined;
    addEventListener<K extends keyof InboxElementEventMap>(type: K, listener: (this: InboxElement, ev: InboxElementEventMap[K]) => any, options?: boolean | AddEventListenerOptions): void;
    addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
    removeEventListener<K extends keyof InboxElementEventMap>(type: K, listener: (this: InboxElement, ev: InboxElementEventMap[K]) => any, options?: boolean | EventListenerOptions): void;
    removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
  }

  /** The detail of roost-action. */
  interface InboxElementAction {
    /** The message, already being marked opened. */
    message: InboxMessage;
    /** The action's name (its label when it has none); "" when the message itself was opened, "link" for a link of its body_html. */
    action: string;
    /** Where the element goes next (http, https, mailto or relative), "" for nowhere. With Ctrl, Shift, Alt or Meta the browser follows the link itself. */
    url: string;
  }

  /** The events of <roost-inbox>. */
  interface InboxElementEventMap extends HTMLElementEventMap {
    /** The panel opened. */
    "roost-open": CustomEvent<void>;
    /** The panel closed. */
    "roost-close": CustomEvent<void>;
    /**
     * A message or one of its actions was clicked: the message is marked opened, and
     * the click recorded (trackClick(action), or trackClick("open") for a message's
     * url). Cancelable: preventDefault() keeps the element from following url, for a
     * single-page app to route it itself.
     */
    "roost-action": CustomEvent<InboxElementAction>;
  }

  interface IdentifyOptions {
    /**
     * The id's signature from the site's backend (required when the server signs
     * identities): the hex HMAC of the id, or an identity token v1.<exp>.<hmac> that
     * expires ("identity-expiring" asks for a fresh one). Without one, an identify of
     * the id this tab identified last keeps the signature this tab gave (never another
     * tab's). The tab sees the person's messages once the server accepted it.
     */
    signature?: string;
  }

  /**
   * window.analytics. Wrong arguments (a topic that is not a string, a
   * callback that is not a function, ...) throw a TypeError. A listener that
   * throws is reported with console.error and does not stop the others.
   */
  interface Analytics {
    /**
     * The person whose messages this page shows. attributes are merged into the
     * person's on the server ({{customer.*}} in templates; null removes one; at most
     * 16 KiB of JSON, else a RangeError; the email cannot be changed from the page).
     */
    identify(id: string | number, attributes?: { [key: string]: any } | null, options?: IdentifyOptions): Analytics;
    reset(): Analytics;
    on<K extends keyof Events>(event: K, callback: (data: Events[K]) => void): Analytics;
    off<K extends keyof Events>(event: K, callback: (data: Events[K]) => void): Analytics;
    /** A view of the messages with any of the topics (none: every topic but internal "_..." ones). */
    inbox(...topics: string[]): Inbox;
    inbox(filter: InboxFilter): Inbox;
  }
}

/** window.analytics (a global var, so window.analytics is typed too). */
declare var analytics: Roost.Analytics;

interface HTMLElementTagNameMap {
  "roost-inbox": Roost.InboxElement;
}
