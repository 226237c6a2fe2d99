/* The status page's notification helper: Chrome on Android shows a notification only
 * through a service worker (`registration.showNotification`), so status.js registers this
 * one when `new Notification()` is refused. It caches nothing and handles no request; a tap
 * on the notification brings the visitor's open status page to the front. */
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const page = windows.find((client) => "focus" in client);
      return page ? page.focus() : undefined;
    })
  );
});
