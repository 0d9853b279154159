// Who is who: the tenant's operators by id (from the colleagues list), so that messages, notes and
// holders carry a name.

import { useEffect, useState } from "preact/hooks";
import { api, has } from "./api.js";
import { t } from "./i18n.js";

/** The colleagues ([{id, name, login, online}]), the signed-in operator included. */
export function useColleagues(me) {
  const [colleagues, setColleagues] = useState([]);
  useEffect(() => {
    if (!has("lifecycle")) return;
    api
      .colleagues()
      .then((answer) => setColleagues(answer.colleagues))
      .catch(() => setColleagues([]));
  }, [has("lifecycle")]);
  return colleagues.some((c) => c.id === me.id) ? colleagues : [...colleagues, { ...me, online: true }];
}

/** An operator's name by id, or null when not known (an operator since disabled). */
export function nameOf(colleagues, id) {
  const found = id && colleagues.find((c) => c.id === id);
  return found ? found.name : null;
}

/** "yours", "Boris's" or "a colleague's": who holds an appeal. */
export function holderText(appeal, me, colleagues) {
  const id = appeal.assigned_operator_id;
  if (!id) return null;
  if (id === me.id) return t("held_by_me");
  const name = nameOf(colleagues, id);
  return name ? t("held_by", name) : t("held_by_other");
}
