"""The blog's models: authors write posts, readers comment on them."""

from __future__ import annotations

import ryx


class Author(ryx.Model):
    """Someone who writes posts."""

    name = ryx.CharField(max_length=100, unique=True)
    email = ryx.EmailField(max_length=200)

    class Meta:
        ordering = ("name",)


class Post(ryx.Model):
    """A post by one author."""

    author = ryx.ForeignKey(Author, on_delete="CASCADE", related_name="posts")
    title = ryx.CharField(max_length=200)
    body = ryx.TextField(blank=True, default="")
    views = ryx.IntField(default=0)
    published = ryx.DateTimeField(null=True)

    class Meta:
        ordering = ("-views",)


class Comment(ryx.Model):
    """A reader's comment on a post."""

    post = ryx.ForeignKey(Post, on_delete="CASCADE", related_name="comments")
    name = ryx.CharField(max_length=100)
    text = ryx.TextField()
    stars = ryx.SmallIntField(default=3)
