-- Which countries do the articles mention most, in Kazakh and in Russian?
-- Capitalised words are matched to a country by the start of its Kazakh or Russian name (so any
-- case ending counts), or exactly for abbreviations.
WITH names (country, name, exact) AS (
    VALUES
        ('Kazakhstan', 'Қазақстан', false), ('Kazakhstan', 'Казахстан', false),
        ('Kazakhstan', 'ҚР', true), ('Kazakhstan', 'РК', true),
        ('Russia', 'Ресей', false), ('Russia', 'Росси', false), ('Russia', 'РФ', true),
        ('China', 'Қытай', false), ('China', 'Китай', false),
        ('China', 'ҚХР', true), ('China', 'КНР', true),
        ('United States', 'АҚШ', true), ('United States', 'США', true),
        ('United States', 'Америк', false),
        ('Uzbekistan', 'Өзбекстан', false), ('Uzbekistan', 'Узбекистан', false),
        ('Kyrgyzstan', 'Қырғызстан', false), ('Kyrgyzstan', 'Кыргызстан', false),
        ('Kyrgyzstan', 'Киргизи', false),
        ('Tajikistan', 'Тәжікстан', false), ('Tajikistan', 'Таджикистан', false),
        ('Turkmenistan', 'Түрікменстан', false), ('Turkmenistan', 'Туркменистан', false),
        ('Azerbaijan', 'Әзербайжан', false), ('Azerbaijan', 'Азербайджан', false),
        ('Turkey', 'Түркия', false), ('Turkey', 'Турци', false),
        ('Iran', 'Иран', false),
        ('Qatar', 'Қатар', false), ('Qatar', 'Катар', false),
        ('Algeria', 'Алжир', false),
        ('Egypt', 'Египет', false), ('Egypt', 'Египт', false), ('Egypt', 'Мысыр', false),
        ('United Kingdom', 'Ұлыбритани', false), ('United Kingdom', 'Великобритани', false),
        ('United Kingdom', 'Британи', false),
        ('Germany', 'Германи', false),
        ('France', 'Франци', false),
        ('Spain', 'Испани', false),
        ('Greece', 'Грекия', false), ('Greece', 'Греци', false),
        ('Armenia', 'Армени', false),
        ('Finland', 'Финлянди', false),
        ('Slovenia', 'Словени', false),
        ('Switzerland', 'Швейцари', false),
        ('Ukraine', 'Украин', false),
        ('Japan', 'Жапони', false), ('Japan', 'Япони', false),
        ('India', 'Үндістан', false), ('India', 'Инди', false),
        ('South Korea', 'Коре', false)
),
words AS (
    SELECT key, language,
           unnest(regexp_extract_all(coalesce(title, '') || ' ' || body, '\p{Lu}\p{L}*')) AS word
    FROM articles_current
)
SELECT n.country,
       count(*) AS mentions,
       count(DISTINCT w.key) AS articles,
       count(DISTINCT w.key) FILTER (WHERE w.language = 'kk') AS kk_articles,
       count(DISTINCT w.key) FILTER (WHERE w.language = 'ru') AS ru_articles
FROM words AS w
JOIN names AS n
  ON CASE WHEN n.exact THEN w.word = n.name ELSE starts_with(w.word, n.name) END
GROUP BY n.country
ORDER BY mentions DESC, n.country;
