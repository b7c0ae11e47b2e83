-- Who is mentioned most? A heuristic: a capitalised first name (or an initial) followed by a
-- Russian- or Kazakh-style surname (-ов, -ев, -ин, -ұлы, -қызы) with an optional case ending;
-- mentions are grouped by the surname without its ending, shown with its usual first name.
WITH mentions AS (
    SELECT key, language,
           unnest(regexp_extract_all(
               coalesce(title, '') || chr(10) || body,
               '(?:\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)? |\p{Lu}\. ?)\p{Lu}\p{Ll}*(?:ов|ев|ёв|ин|ұлы|қызы)'
               || '(?:а|у|ым|ом|е|ой|ою|ых|ыми|ы|тың|тің|ның|нің|қа|ке|ға|ге|ты|ті|ны|ні'
               || '|та|те|да|де|тан|тен|нан|нен|пен|мен)?(?:[^\p{L}]|$)'
           )) AS mention
    FROM articles_current
),
named AS (
    SELECT key, language,
           regexp_extract(mention, '^(\p{Lu}\.|\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?)', 1) AS first_name,
           regexp_extract(mention, '(\p{Lu}\p{Ll}*?(?:ұлы|қызы|ов|ев|ёв|ин))\p{Ll}*[^\p{L}]*$', 1)
               AS surname
    FROM mentions
)
SELECT coalesce(mode(first_name) FILTER (WHERE NOT ends_with(first_name, '.')), mode(first_name))
           || ' ' || surname AS person,
       count(*) AS mentions,
       count(DISTINCT key) AS articles,
       list(DISTINCT language ORDER BY language) AS languages
FROM named
WHERE surname <> ''
GROUP BY surname
ORDER BY mentions DESC, person
LIMIT 25;
