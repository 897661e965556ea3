REV = 'a1'
revision = REV
down_revision = ('b2',
  'c3')  # merge
