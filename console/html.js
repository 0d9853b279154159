// htm bound to Preact's h: tagged templates instead of JSX, so the browser runs the source as written.
import { h } from "preact";
import htm from "htm";

export const html = htm.bind(h);
