/**
 * Invented name pools. Many entries carry non-ASCII letters (accents, ligatures, other scripts)
 * because real rosters do, and sync code must store them intact.
 */
export const FIRST_NAMES = [
  'Ana',
  'José',
  'Zoë',
  'Björn',
  'Łucja',
  'Søren',
  'Chloé',
  'Maël',
  'Nguyễn',
  'Ángel',
  'Ayşe',
  'Jürgen',
  'Renée',
  'Dmitrí',
  'Inés',
  'François',
  'Saoirse',
  'Émile',
  'Mía',
  'Noah',
  'Liam',
  'Olivia',
  'Emma',
  'Sofía',
  'Mateo',
  'Aarav',
  'Fatoumata',
  'Kenji',
  'Yuki',
  'Chinedu',
  'Amara',
  'Oluwaseun',
  'Siobhán',
  'Þórunn',
  'Anaïs',
  'Joaquín',
  'Ximena',
  'Ça\u011flar',
  'Dário',
  'Małgorzata',
  'Eun-ji',
  'Priya',
  'Mohammed',
  'Layla',
  'Hana',
  'Lucas',
  'Ava',
  'Ethan',
  'Isabella',
  'Jamal',
  'Keanu',
  'Leilani',
  '明',
  '小龍',
  'Αλέξανδρος',
  'Мария',
  'Øystein',
  'Ärje',
  'Nuño',
  'Aditi',
  'Tomás',
  'Zoltán',
] as const;

export const MIDDLE_NAMES = [
  'A',
  'B.',
  'María',
  'Lee',
  'Jean-Luc',
  'Ó',
  'Kay',
  'Rose',
  'James',
  'Dé',
  'Marie',
  'Ann',
  'J',
  'Élise',
] as const;

export const LAST_NAMES = [
  'García',
  'Müller',
  'Nuñez',
  "O'Brien",
  'Smith-Jones',
  'Øvergård',
  'Łukasiewicz',
  'Çelik',
  'Nguyễn',
  'Dvořák',
  'Sánchez',
  'Johnson',
  'Williams',
  'Brown',
  'Okafor',
  'Adébáyọ̀',
  'Tanaka',
  'Kim',
  'Patel',
  'Hernández',
  'López',
  'Gómez',
  'Schröder',
  'Fernández',
  'Lefèvre',
  'Đặng',
  'Ivanović',
  'Jiménez',
  'Van der Berg',
  'de la Cruz',
  'McAllister',
  'Zhang',
  'Wang',
  'Ahmed',
  'Kowalski',
  'Rossi',
  'Björklund',
  'Ó Súilleabháin',
  'Kāne',
  'Peña',
  'Ramírez',
  'Núñez-Ortiz',
  'Λαμπράκης',
  'Смирнов',
  '李',
  'Yılmaz',
] as const;

export const STREETS = [
  'Calle Mayor',
  'Elm St',
  'Rue de la Paix',
  'Königsallee',
  'Main Street',
  'Avenida Peñalolén',
  'Oak Ave',
  'Łąkowa',
  'Maple Dr',
  'Camino del Río',
  'Sycamore Ln',
  'Boulevard Saint-Michel',
] as const;

export const CITIES = [
  'San José',
  'Springfield',
  'Española',
  'Coeur d’Alène',
  'Riverside',
  'Cañon City',
  'Fairview',
  'Mánoa',
  'Georgetown',
  'La Cañada',
  'Franklin',
  'Bellevue',
] as const;

export const STATES = ['CA', 'NM', 'ID', 'TX', 'NY', 'HI', 'WA', 'CO', 'FL', 'IL'] as const;

export const SCHOOL_PLACES = [
  'Peñasco',
  'Lincoln',
  'Beaumont',
  'Cañada',
  'Riverside',
  'Ōkurayama',
  'Washington',
  'Løvenborg',
  'Jefferson',
  'San Martín',
  'Hillcrest',
  'Sequoia',
  'Ñandú',
  'Müllerhof',
  'Oakwood',
  'Kealakehe',
] as const;

export const DISTRICT_PLACES = [
  'Peñasco',
  'Española',
  'Cañon',
  'Mānoa',
  'Björkdal',
  'Riverside',
  'Coeur d’Alène',
];

export const TEACHER_TITLES = ['Teacher', 'Profesora', 'Mr.', 'Ms.', 'Enseignante', 'Lehrer', ''] as const;
export const STAFF_TITLES = ['Counselor', 'Nurse', 'Librarian', 'Secretaria', 'Técnico', ''] as const;
export const DEPARTMENTS = ['Counseling', 'Health', 'Library', 'Administración', ''] as const;

// Letters that Unicode decomposition leaves alone.
const FOLD_SPECIAL: Record<string, string> = {
  ø: 'o',
  Ø: 'o',
  ł: 'l',
  Ł: 'l',
  đ: 'd',
  Đ: 'd',
  þ: 'th',
  Þ: 'th',
  æ: 'ae',
  Æ: 'ae',
  ß: 'ss',
  ı: 'i',
};

/** Lowercase ASCII form for usernames and emails (real emails are often ASCII-folded names). */
export function asciiFold(text: string): string {
  const folded = text
    .replace(/[øØłŁđĐþÞæÆßı]/g, (c) => FOLD_SPECIAL[c] ?? '')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
  return folded.length > 0 ? folded : 'user';
}

const foldCache = new Map<string, string>();
/** asciiFold over the small name pools, cached (it runs once per generated record). */
export function foldedName(text: string): string {
  let folded = foldCache.get(text);
  if (folded === undefined) {
    folded = asciiFold(text);
    if (foldCache.size < 10_000) foldCache.set(text, folded);
  }
  return folded;
}
