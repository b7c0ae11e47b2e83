-- An entity's mentions per day and language, whatever the case form or the language it was
-- written in: Токаев finds Тоқаевтың, Токаева and Қасым-Жомарт Тоқаев (one entity_id).
SELECT * FROM entity_timeline('Токаев');
