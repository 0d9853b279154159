// How the console tells an operator that a client wrote: a desktop notification (the browser's
// Notifications API, asked for once from an in-page prompt), a short tone (switchable, remembered
// per browser) and the unread count in the tab's title (set by the inbox).

const SOUND_KEY = "batterycrm.console.sound";
const PROMPT_KEY = "batterycrm.console.notifications-asked";

export function soundOn() {
  return localStorage.getItem(SOUND_KEY) !== "off";
}

export function setSound(on) {
  localStorage.setItem(SOUND_KEY, on ? "on" : "off");
}

let audio = null;

/** A short two-note tone made on the spot (no file to download); silent when switched off. */
export function chime() {
  if (!soundOn() || typeof AudioContext === "undefined") return;
  try {
    audio = audio || new AudioContext();
    const now = audio.currentTime;
    const gain = audio.createGain();
    gain.connect(audio.destination);
    gain.gain.setValueAtTime(0.0001, now);
    gain.gain.exponentialRampToValueAtTime(0.2, now + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.35);
    [880, 1320].forEach((hz, i) => {
      const tone = audio.createOscillator();
      tone.frequency.value = hz;
      tone.connect(gain);
      tone.start(now + i * 0.12);
      tone.stop(now + 0.35);
    });
  } catch {
    // a browser that refuses audio before the first click: the title and the notification remain
  }
}

/** Whether to show the in-page "turn on desktop notifications" prompt. */
export function shouldAskForNotifications() {
  return typeof Notification !== "undefined" && Notification.permission === "default" && !localStorage.getItem(PROMPT_KEY);
}

/** Asks the browser once (from the operator's click); the prompt does not come back either way. */
export async function askForNotifications() {
  localStorage.setItem(PROMPT_KEY, "1");
  if (typeof Notification === "undefined") return "denied";
  return Notification.requestPermission();
}

export function dismissNotificationPrompt() {
  localStorage.setItem(PROMPT_KEY, "1");
}

/** A desktop notification when allowed; clicking it brings the tab forward and runs `open`. */
export function desktopNotice(title, body, tag, open) {
  if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
  try {
    const notice = new Notification(title, { body, tag });
    notice.onclick = () => {
      window.focus();
      open();
      notice.close();
    };
  } catch {
    // some browsers allow notifications only from a service worker: the title and tone remain
  }
}
